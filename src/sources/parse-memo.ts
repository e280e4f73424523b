/**
 * A function's answers remembered for the length of one parse. Listening sockets share few
 * addresses, and making one address canonical allocates (a typed array per address).
 */
export function parseMemo<T>(fn: (key: string) => T): (key: string) => T {
  const known = new Map<string, T>();
  return (key) => {
    if (known.has(key)) return known.get(key)!;
    const v = fn(key);
    known.set(key, v);
    return v;
  };
}
