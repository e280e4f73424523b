/**
 * Content negotiation for /metrics: which exposition format, and whether to gzip. Formats
 * are chosen the way Prometheus's client libraries do it (client_golang's expfmt
 * NegotiateIncludingOpenMetrics over goautoneg): Accept clauses in order of q-value, the
 * first one that names a format served here wins, wildcards pick nothing, and the text
 * format is the fallback. Unlike goautoneg, a clause with q=0 refuses its format (RFC 9110
 * §12.4.2: "not acceptable") instead of sorting last and still matching.
 */
import type { ExpositionFormat } from '../metrics/catalog.js';

interface Clause {
  /** Lower-cased `type/subtype` (or the coding, for Accept-Encoding). */
  readonly range: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
  /** Position in the header, so equal q-values keep the client's order. */
  readonly index: number;
}

/** RFC 9110 §12.4.2 qvalue: 0 to 1, at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The comma-separated clauses of an Accept or Accept-Encoding header, sorted by q-value,
 * highest first (stable). A clause with a malformed q-value is dropped rather than guessed.
 */
function parseClauses(header: string): Clause[] {
  const out: Clause[] = [];
  header.split(',').forEach((part, index) => {
    const [range, ...rawParams] = part.split(';').map((s) => s.trim());
    if (!range) return;
    const params = new Map<string, string>();
    let q = 1;
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq <= 0) continue;
      const key = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (key === 'q') {
        if (!QVALUE.test(value)) return;
        q = Number(value);
      } else {
        params.set(key, value);
      }
    }
    out.push({ range: range.toLowerCase(), params, q, index });
  });
  return out.sort((a, b) => b.q - a.q || a.index - b.index);
}

/** The media type each format is served as, and the `version` parameters it satisfies. */
const MEDIA: Record<ExpositionFormat, { readonly range: string; readonly versions: readonly string[] }> = {
  // client_golang serves OpenMetrics for versions 0.0.1 and 1.0.0; 1.0.0 is 0.0.1 finalised.
  openmetrics: { range: 'application/openmetrics-text', versions: ['1.0.0', '0.0.1'] },
  prometheus: { range: 'text/plain', versions: ['0.0.4'] },
};
const PREFERENCE: readonly ExpositionFormat[] = ['openmetrics', 'prometheus'];

function names(clause: Clause, format: ExpositionFormat): boolean {
  const media = MEDIA[format];
  if (clause.range !== media.range) return false;
  const version = clause.params.get('version');
  return version === undefined || media.versions.includes(version);
}

/** The exposition format for an Accept header; the text format when nothing else fits. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  const clauses = parseClauses(accept);
  const refused = new Set(PREFERENCE.filter((f) => clauses.some((c) => c.q === 0 && names(c, f))));
  for (const clause of clauses) {
    if (clause.q === 0) break;
    const format = PREFERENCE.find((f) => !refused.has(f) && names(clause, f));
    if (format) return format;
  }
  // Nothing asked for (or everything refused): a scraper still gets the format every
  // Prometheus parses, rather than a 406 it would record as a failed scrape.
  return 'prometheus';
}

/**
 * gzip when the client accepts it: a `gzip` clause with q > 0, or a `*` clause with q > 0
 * and no `gzip` clause at all (the more specific clause decides, RFC 9110 §12.5.3). No
 * header means no compression.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  const clauses = parseClauses(header);
  const gzip = clauses.find((c) => c.range === 'gzip' || c.range === 'x-gzip');
  if (gzip) return gzip.q > 0;
  const any = clauses.find((c) => c.range === '*');
  return any !== undefined && any.q > 0;
}
