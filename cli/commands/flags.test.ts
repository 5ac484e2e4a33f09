import { CliError, ExitCode } from '../errors';
import { choiceFlag, collect, intFlag, keyValueFlags, sizeFlag, timeFlag } from './flags';

describe('flag parsing', () => {
  test('intFlag: fallback when absent, bounds checked, usage exit code', () => {
    expect(intFlag('n', undefined, 7, 1, 10)).toBe(7);
    expect(intFlag('n', ' 10 ', 7, 1, 10)).toBe(10);
    for (const bad of ['11', '0', '1.5', 'x', '']) expect(() => intFlag('n', bad, 7, 1, 10)).toThrow(/--n must be an integer from 1 to 10/);
    try {
      intFlag('n', 'x', 1, 1, 2);
    } catch (e) {
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).exitCode).toBe(ExitCode.usage);
    }
  });

  test('sizeFlag understands k and m suffixes', () => {
    expect(sizeFlag('size', '512', 0, 1, 1e9)).toBe(512);
    expect(sizeFlag('size', '4k', 0, 1, 1e9)).toBe(4096);
    expect(sizeFlag('size', '1MiB', 0, 1, 1e9)).toBe(1024 * 1024);
    expect(() => sizeFlag('size', '1x', 0, 1, 1e9)).toThrow(/--size/);
  });

  test('timeFlag: ISO, epoch ms and relative times', () => {
    const now = 1_700_000_000_000;
    expect(timeFlag('begin', undefined, 5, now)).toBe(5);
    expect(timeFlag('begin', '-1h', 0, now)).toBe(now - 3_600_000);
    expect(timeFlag('begin', '-30m', 0, now)).toBe(now - 1_800_000);
    expect(timeFlag('begin', '1699999999999', 0, now)).toBe(1_699_999_999_999);
    expect(timeFlag('begin', '2023-11-14T22:13:20Z', 0, now)).toBe(now);
    expect(() => timeFlag('begin', 'yesterday', 0, now)).toThrow(/--begin/);
  });

  test('keyValueFlags, choiceFlag and collect', () => {
    expect(keyValueFlags('p', ['a=1', 'b='])).toEqual({ a: '1', b: '' });
    expect(() => keyValueFlags('p', ['=1'])).toThrow(/--p takes key=value/);
    expect(choiceFlag('from', 'LAST', ['first', 'last'] as const, 'first')).toBe('last');
    expect(choiceFlag('from', undefined, ['first', 'last'] as const, 'first')).toBe('first');
    expect(() => choiceFlag('from', 'middle', ['first', 'last'] as const, 'first')).toThrow('--from must be one of first, last, got "middle"');
    expect(collect('b', collect('a', undefined))).toEqual(['a', 'b']);
  });
});
