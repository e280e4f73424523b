/**
 * HTML built so that escaping cannot be forgotten: every value interpolated into an `html`
 * template is escaped unless it is itself the result of an `html` template. Interface and
 * process names come from the kernel and can hold markup (`<i>x` is a valid interface name).
 */
export class Html {
  constructor(readonly text: string) {}
}

type Part = Html | string | number | readonly Html[];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** NUL becomes U+FFFD, as an HTML parser would make it (and the page's age gap stays unique). */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"'\u0000]/g, (c) => ESCAPES[c] ?? '\ufffd');
}

function partText(p: Part): string {
  if (p instanceof Html) return p.text;
  if (typeof p === 'number') return String(p);
  if (typeof p === 'string') return escapeHtml(p);
  return p.map((h) => h.text).join('');
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  for (const [i, part] of parts.entries()) out += partText(part) + (strings[i + 1] ?? '');
  return new Html(out);
}
