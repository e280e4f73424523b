/** What one run of a source came to: its result or its error, and how long it took. */
export interface Timed<T> {
  readonly result?: T;
  readonly error?: Error;
  readonly seconds: number;
}

/** The part of an outcome source health keeps: whether it failed, and its rejected lines. */
export type SourceOutcome = Timed<{ readonly rejected: number }>;

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export async function timed<T>(run: () => Promise<T>): Promise<Timed<T>> {
  const start = performance.now();
  try {
    const result = await run();
    return { result, seconds: (performance.now() - start) / 1000 };
  } catch (err) {
    return { error: asError(err), seconds: (performance.now() - start) / 1000 };
  }
}

export function timedSync<T>(run: () => T): Timed<T> {
  const start = performance.now();
  try {
    const result = run();
    return { result, seconds: (performance.now() - start) / 1000 };
  } catch (err) {
    return { error: asError(err), seconds: (performance.now() - start) / 1000 };
  }
}
