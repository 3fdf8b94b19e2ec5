/** Plain-text tables with aligned columns. */

export interface Column<Row> {
  header: string;
  /** Right-aligned by default (numbers); text columns say 'left'. */
  align?: 'left' | 'right';
  value: (row: Row) => string;
}

export const formatTable = <Row>(title: string, columns: Column<Row>[], rows: Row[]): string => {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const pad = (text: string, i: number): string => {
    const width = widths[i] ?? 0;
    return columns[i]?.align === 'left' ? text.padEnd(width) : text.padStart(width);
  };
  const line = (parts: string[]) => parts.map(pad).join('  ').trimEnd();
  const header = line(columns.map((c) => c.header));
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [title, header, rule, ...cells.map(line)].join('\n');
};

/** Formatting helpers: NaN/undefined print as '-'. */
export const fmt = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);

export const fmtMs = (us: number | null | undefined): string =>
  us === null || us === undefined || !Number.isFinite(us)
    ? '-'
    : us >= 100_000
      ? (us / 1000).toFixed(0)
      : (us / 1000).toFixed(1);

export const fmtInt = (value: number | null | undefined): string =>
  value === null || value === undefined || !Number.isFinite(value)
    ? '-'
    : Math.round(value).toString();
