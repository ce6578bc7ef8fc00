/**
 * A figure is one measured number with the target it is read against. Benchmarks never
 * fail on a figure: `met` is reported (true / false, or null where there is no target).
 */
export interface Figure {
  scenario: string;
  figure: string;
  value: number | string | null;
  unit?: string;
  target?: string;
  met?: boolean | null;
  note?: string;
}

export function figure(scenario: string, name: string, value: number | string | null, unit?: string, extra: Partial<Figure> = {}): Figure {
  return { scenario, figure: name, value, ...(unit ? { unit } : {}), ...extra };
}

/** Rounds for display only; the JSON keeps full precision. */
export function show(value: Figure['value'], unit?: string): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = Number.isInteger(value) ? String(value) : value.toFixed(digits);
  return unit ? `${text} ${unit}` : text;
}

/** The table, then its notes (how a figure was obtained, what it includes) as numbered footnotes. */
export function renderTable(figures: Figure[]): string {
  const notes: string[] = [];
  const rows = figures.map((f) => {
    const ref = f.note ? `[${notes.push(f.note)}]` : '';
    return [f.scenario, f.figure, show(f.value, f.unit), f.target ?? '', f.met === true ? 'ok' : f.met === false ? 'MISSED' : '', ref];
  });
  const table = renderRows(['scenario', 'figure', 'value', 'target', 'met', 'note'], rows);
  return notes.length ? `${table}

notes:
${notes.map((n, i) => `[${i + 1}] ${n}`).join('\n')}` : table;
}

export function renderRows(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
