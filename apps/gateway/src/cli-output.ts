/**
 * How the admin CLI shows its answers: JSON (for scripts and pipes, the default when stdout is
 * not a terminal) or a table (for people, the default on a terminal). The table is drawn from the
 * same value the JSON shows, so both always say the same thing.
 */
export type OutputFormat = 'table' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json'];

export function render(value: unknown, format: OutputFormat): string {
  return format === 'json' ? JSON.stringify(value, null, 2) : table(value);
}

/** Widest a cell gets before it is cut (public keys and nested objects would drown the rest). */
const MAX_CELL = 60;

type Row = Record<string, unknown>;
const isRow = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

function table(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : grid(value.map((v) => (isRow(v) ? v : { value: v })));
  if (!isRow(value)) return cell(value);
  // A page of a list (`{total, keys: [...]}`): the rows, then what else the answer said.
  const lists = Object.entries(value).filter(([, v]) => Array.isArray(v) && v.length > 0 && v.every(isRow));
  if (lists.length === 1) {
    const [name, rows] = lists[0] as [string, Row[]];
    const rest = Object.entries(value).filter(([k]) => k !== name);
    return [grid(rows), ...rest.map(([k, v]) => `${k}: ${cell(v)}`)].join('\n');
  }
  return pairs(value);
}

/** One object: a row per field. */
function pairs(row: Row): string {
  const width = Math.max(...Object.keys(row).map((k) => k.length));
  return Object.entries(row)
    .map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`.trimEnd())
    .join('\n');
}

/** Objects of one kind: a column per field, in the order they first appear. */
function grid(rows: Row[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const text = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/**
 * The known command nearest to what was typed, if near enough to be what was meant: each command
 * is compared with as many typed words as it has (the rest are its arguments).
 */
export function nearestCommand(typed: readonly string[], commands: readonly string[]): string | null {
  let best: { command: string; d: number; of: number } | null = null;
  for (const command of commands) {
    const words = typed.slice(0, command.split(' ').length).join(' ');
    const d = distance(words, command);
    if (!best || d < best.d) best = { command, d, of: words.length };
  }
  return best && best.d > 0 && best.d <= Math.max(2, Math.floor(best.of / 3)) ? best.command : null;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
