import { summarizeProfile } from './profile-top';

test('self time per function and per file, as a share of the non-idle samples', () => {
  const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
  const summary = summarizeProfile({
    startTime: 0,
    endTime: 2_000_000,
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 5] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('encodeRecord', `file://${process.cwd()}/message/record.ts`, 236), children: [4] },
      { id: 4, callFrame: frame('checkRecord', `file://${process.cwd()}/message/record.ts`, 99) },
      { id: 5, callFrame: frame('(garbage collector)') },
    ],
    samples: [2, 2, 3, 3, 3, 4, 5, 2],
  });
  expect(summary.totalSamples).toBe(8);
  expect(summary.idlePct).toBeCloseTo(37.5);
  expect(summary.durationMs).toBe(2000);
  expect(summary.functions.map((f) => [f.name, f.pct])).toEqual([
    ['message/record.ts:237 encodeRecord', 60],
    ['message/record.ts:100 checkRecord', 20],
    ['(garbage collector)', 20],
  ]);
  expect(summary.files[0]).toEqual({ name: 'message/record.ts', samples: 4, pct: 80 });
  // checkRecord is called by encodeRecord here: encodeRecord's total includes it.
  expect(summary.inclusive[0]).toEqual({ name: 'message/record.ts:237 encodeRecord', samples: 4, pct: 80 });
});
