import { ManualClock } from '../../stdx';
import { Progress } from './progress';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, sink: { isTTY, write: (t: string) => void writes.push(t) } };
}

describe('Progress', () => {
  test('on a terminal, rewrites one line at most once per interval and clears it when done', () => {
    const clock = new ManualClock();
    const { writes, sink: s } = sink(true);
    const p = new Progress(s, clock, { intervalMs: 100 });
    p.report(() => 'sent 1'); // first call only starts the interval
    clock.advance(50);
    p.report(() => 'sent 2');
    expect(writes).toEqual([]);
    clock.advance(60);
    p.report(() => 'sent 3');
    expect(writes).toEqual(['\r\x1b[2Ksent 3']);
    p.finish('sent 3 messages');
    expect(writes.slice(1)).toEqual(['\r\x1b[2K', 'sent 3 messages\n']);
  });

  test('elsewhere, appends whole lines at the interval and never writes escape codes', () => {
    const clock = new ManualClock();
    const { writes, sink: s } = sink(false);
    const p = new Progress(s, clock);
    p.report(() => 'a');
    clock.advance(5000);
    p.report(() => 'b');
    clock.advance(1000);
    p.report(() => 'c');
    p.log('note');
    p.finish('done');
    expect(writes).toEqual(['b\n', 'note\n', 'done\n']);
  });

  test('the line text is only built when it is printed', () => {
    const clock = new ManualClock();
    const p = new Progress(sink(true).sink, clock, { intervalMs: 100 });
    let built = 0;
    for (let i = 0; i < 1000; i++) p.report(() => String(++built));
    expect(built).toBe(0);
  });
});
