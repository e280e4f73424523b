/**
 * The little of Markdown the docs checks need: headings and the anchors GitHub gives them,
 * and the links of a document. Fenced code blocks are skipped (a `# comment` in a shell
 * example is no heading, and `[x](y)` in code is no link).
 */

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces as '-'. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The document's lines outside fenced code blocks. */
function proseLines(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    else if (!fenced) out.push(line);
  }
  return out;
}

/** Every anchor the document's headings get; a repeated heading gets `-1`, `-2`, ... as on GitHub. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    // Inline code and links keep their text: `--flag` reads as --flag.
    const base = headingAnchor((m[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The targets of the document's inline links and images, in order. */
export function linkTargets(text: string): string[] {
  const out: string[] = [];
  for (const line of proseLines(text)) {
    // Inline code may hold brackets that are not links.
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push(m[1] ?? '');
  }
  return out;
}
