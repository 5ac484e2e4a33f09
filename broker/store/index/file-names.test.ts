import { formatIndexFileName, isIndexFileName, nextIndexFileName, parseIndexFileName } from './file-names';

describe('index file names', () => {
  const t = new Date(2024, 11, 31, 23, 59, 59, 999).getTime();

  it('are yyyyMMddHHmmssSSS in local time and parse back', () => {
    expect(formatIndexFileName(t)).toBe('20241231235959999');
    expect(parseIndexFileName('20241231235959999')).toBe(t);
    expect(isIndexFileName('20241231235959999')).toBe(true);
    expect(isIndexFileName('20241231235959999.tmp')).toBe(false);
    expect(parseIndexFileName('nope')).toBeNaN();
  });

  it('always sort after the previous name, even when the clock repeats or goes back', () => {
    expect(nextIndexFileName(t, undefined)).toBe('20241231235959999');
    expect(nextIndexFileName(t + 5, '20241231235959999')).toBe('20250101000000004');
    expect(nextIndexFileName(t, '20241231235959999')).toBe('20250101000000000');
    expect(nextIndexFileName(t - 3_600_000, '20241231235959999')).toBe('20250101000000000');
  });
});
