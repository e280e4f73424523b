/** Non-negative integers only: a count that parses to anything else is a rejected line. */
export function parseCount(text: string, radix: 10 | 16 = 10): number | undefined {
  const ok = radix === 10 ? /^\d{1,15}$/.test(text) : /^[0-9A-Fa-f]{1,12}$/.test(text);
  return ok ? parseInt(text, radix) : undefined;
}
