import { bodyPreview, cellText, formatBytes, formatCount, formatDuration, formatThroughput, formatTimestamp, renderKeyValues, renderTable, MAX_CELL_CHARS } from './table';

interface Row {
  name: string;
  queues: number;
  note?: string;
}

describe('renderTable', () => {
  const columns = [
    { header: 'NAME', value: (r: Row) => r.name },
    { header: 'QUEUES', value: (r: Row) => r.queues },
    { header: 'NOTE', value: (r: Row) => r.note },
  ];

  test('pads columns to the widest cell, right-aligns numbers and leaves no trailing spaces', () => {
    const lines = renderTable(columns, [
      { name: 'TopicTest', queues: 8, note: 'x' },
      { name: 'a', queues: 16 },
    ]);
    expect(lines).toEqual(['NAME       QUEUES  NOTE', 'TopicTest       8  x', 'a              16  -']);
  });

  test('an empty row list still prints the header', () => {
    expect(renderTable(columns, [])).toEqual(['NAME  QUEUES  NOTE']);
  });

  test('explicit alignment wins over the guessed one', () => {
    const lines = renderTable([{ header: 'N', value: (r: Row) => r.name, align: 'right' as const }], [{ name: 'ab', queues: 0 }, { name: 'abcd', queues: 0 }]);
    expect(lines).toEqual(['   N', '  ab', 'abcd']);
  });

  test('cells lose newlines and are cut at the maximum width', () => {
    expect(cellText('a\nb\tc')).toBe('a b c');
    const long = cellText('x'.repeat(500));
    expect(long).toHaveLength(MAX_CELL_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(cellText(null)).toBe('-');
    expect(cellText(12n)).toBe('12');
  });
});

test('renderKeyValues aligns values after the longest key', () => {
  expect(renderKeyValues([['topic', 'T'], ['queueOffset', 3], ['tags', undefined]])).toEqual(['topic:       T', 'queueOffset: 3', 'tags:        -']);
});

describe('number formatting', () => {
  test('formatBytes uses binary units with one decimal below 100', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MiB');
  });

  test('formatCount groups thousands regardless of locale, bigints included', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-1000)).toBe('-1,000');
    expect(formatCount(12345678901234567890n)).toBe('12,345,678,901,234,567,890');
  });

  test('formatDuration picks ms, seconds, or minutes/hours', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_725_000)).toBe('1h02m');
  });

  test('formatThroughput gives messages and bytes per second', () => {
    expect(formatThroughput(10_000, 10_000 * 1024, 2000)).toBe('5,000 msg/s, 4.9 MiB/s');
    expect(formatThroughput(5, 5, 0)).toBe('5 msg');
  });

  test('formatTimestamp prints ISO UTC and "-" for RocketMQ\'s "never" (0)', () => {
    expect(formatTimestamp(0)).toBe('-');
    expect(formatTimestamp(undefined)).toBe('-');
    expect(formatTimestamp(1_700_000_000_000)).toBe('2023-11-14T22:13:20.000Z');
  });
});

describe('bodyPreview', () => {
  test('shows printable UTF-8 as text', () => {
    expect(bodyPreview(Buffer.from('hello wörld\n'))).toBe('hello wörld\n');
    expect(bodyPreview(Buffer.alloc(0))).toBe('(empty)');
  });

  test('shows binary as hex', () => {
    expect(bodyPreview(Buffer.from([0, 1, 0xff]))).toBe('hex 0001ff');
  });

  test('cuts long bodies, also in the middle of a multi-byte character, and says how much is left', () => {
    expect(bodyPreview(Buffer.from('abcdef'), 4)).toBe('abcd … (2 more bytes)');
    // 'é' is two bytes; a cut after its first byte still reads as text.
    expect(bodyPreview(Buffer.from('aé'), 2)).toBe('a … (1 more bytes)');
  });
});
