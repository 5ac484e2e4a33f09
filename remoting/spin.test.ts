import { LoopSpinner, loopSpinner } from './spin';

/** Waits (bounded) until `condition` holds, one event-loop turn at a time. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('LoopSpinner', () => {
  it('keeps the loop turning for one window after a write, then disarms when no request came', async () => {
    const spinner = new LoopSpinner(20_000_000n); // 20 ms
    spinner.wrote();
    expect(spinner.isSpinning).toBe(true);
    // Timers still run while it spins: the spin is made of non-blocking loop turns.
    await new Promise((resolve) => setTimeout(resolve, 1));
    await until(() => !spinner.isSpinning, 'the window to end');
    expect(spinner.isArmed).toBe(false);
    spinner.wrote();
    expect(spinner.isSpinning).toBe(false);
  });

  it('re-arms when a request arrives within a window of the last write', async () => {
    const spinner = new LoopSpinner(20_000_000n);
    spinner.wrote();
    await until(() => !spinner.isSpinning, 'the window to end');
    spinner.wrote(); // disarmed: no spin, but the write time is noted
    spinner.arrived(); // a quick answer: spinning would have caught it
    expect(spinner.isArmed).toBe(true);
    spinner.wrote();
    expect(spinner.isSpinning).toBe(true);
    await until(() => !spinner.isSpinning, 'the second window to end');
  });

  it('stays disarmed when requests arrive later than a window after the last write', async () => {
    const spinner = new LoopSpinner(1_000n); // 1 µs
    spinner.wrote();
    await until(() => !spinner.isSpinning, 'the window to end');
    spinner.wrote();
    await new Promise((resolve) => setTimeout(resolve, 2));
    spinner.arrived();
    expect(spinner.isArmed).toBe(false);
  });

  it('is shared per window length and absent for a zero window', () => {
    expect(loopSpinner(0)).toBeUndefined();
    expect(loopSpinner(-5)).toBeUndefined();
    expect(loopSpinner(123)).toBe(loopSpinner(123));
    expect(loopSpinner(123)).not.toBe(loopSpinner(124));
  });
});
