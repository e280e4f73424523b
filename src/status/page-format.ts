/**
 * Which form of the status page a request gets. `?format=html|text` decides when given.
 * Otherwise HTML goes only to clients that name text/html in Accept, as every browser does;
 * everything else gets text, so `curl host:9839/` (Accept: *\/*) prints a table.
 */
export type PageFormat = 'html' | 'text';

/** The q of the first range in `accept` that matches `type` exactly; 0 when none does. */
function quality(accept: string, type: string): number {
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    if (range?.trim() !== type) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    return Number.isFinite(value) ? value : 0;
  }
  return 0;
}

/** undefined: a `format` the page does not know (answered 400). */
export function pageFormat(query: unknown, accept: string | undefined): PageFormat | undefined {
  const asked = typeof query === 'object' && query !== null ? (query as Record<string, unknown>)['format'] : undefined;
  if (asked !== undefined) return asked === 'html' || asked === 'text' ? asked : undefined;
  if (accept === undefined) return 'text';
  const htmlQ = Math.max(quality(accept, 'text/html'), quality(accept, 'application/xhtml+xml'));
  return htmlQ > 0 && htmlQ >= quality(accept, 'text/plain') ? 'html' : 'text';
}
