/**
 * Text for terminals: kernel names are shown with their control characters written as
 * `\xNN`, so an interface named with an escape sequence cannot recolour or rewrite the
 * terminal of whoever curls the page.
 */
export function printable(s: string): string {
  // C0 controls, DEL and C1 controls (the latter are read as escapes by some terminals).
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Pads cells into columns; `right` marks columns holding numbers. */
export function columns(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
