/**
 * A function's answers remembered for the length of one parse. Listening sockets share few
 * addresses, and making one address canonical allocates (a typed array per address).
 * Undefined (no answer) is remembered too, so a remembered answer reads back as it was.
 */
export function parseMemo<T>(fn: (key: string) => T | undefined): (key: string) => T | undefined {
  const known = new Map<string, T | undefined>();
  return (key) => {
    if (known.has(key)) return known.get(key);
    const v = fn(key);
    known.set(key, v);
    return v;
  };
}
