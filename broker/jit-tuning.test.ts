import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { tuneJit } from './jit-tuning';

const ROOT = path.resolve(__dirname, '..');

/**
 * Calls after which a small function is running TurboFan code, in a fresh node process that applied
 * tuneJit (or not); `%GetOptimizationStatus` needs --allow-natives-syntax, given to that child only.
 * Compiling on the main thread makes the count independent of how busy the machine is.
 */
function callsUntilOptimised(nodeFlags: string[], tune: boolean): number {
  const script = `
    ${tune ? "require('./broker/jit-tuning').tuneJit();" : ''}
    function work(a) { let s = 0; s += a * 2; s ^= a >>> 3; s += (a & 7) * 5; return s; }
    let calls = 0;
    for (; calls < 100000; calls++) { work(calls); if (%GetOptimizationStatus(work) & 16) break; }
    process.stdout.write(String(calls));
  `;
  const out = spawnSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', ...nodeFlags, '-r', '@swc-node/register', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(out.stderr).toBe('');
  return Number(out.stdout);
}

describe('tuneJit', () => {
  test('a small function reaches optimised code after several times fewer calls', () => {
    const untuned = callsUntilOptimised([], false);
    const tuned = callsUntilOptimised([], true);
    expect(tuned * 4).toBeLessThan(untuned);
  });

  test('a budget given on the command line is kept', () => {
    expect(tuneJit(['--interrupt-budget=67584'])).toBeUndefined();
    const tuned = callsUntilOptimised([], true);
    expect(callsUntilOptimised(['--interrupt-budget=67584'], true)).toBeGreaterThan(tuned * 4);
  });
});
