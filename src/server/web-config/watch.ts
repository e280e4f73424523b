/**
 * Polls file contents. Polling rather than fs.watch because Kubernetes updates mounted
 * secrets by swapping a symlinked directory, which inotify on the old file never reports;
 * contents rather than mtime because a rewrite of a same-length hash within one timestamp
 * tick would keep size and mtime. A few KB read every couple of seconds costs nothing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** A file's bytes, or why it could not be read (a missing file is a state like any other). */
type Content = Buffer | string;

const unreadable = (err: unknown): string => `unreadable:${(err as NodeJS.ErrnoException).code ?? ''}`;

function digestOf(files: readonly string[], contents: readonly Content[]): string {
  const h = createHash('sha256');
  files.forEach((file, i) => h.update(file).update('\0').update(contents[i] ?? '').update('\0'));
  return h.digest('hex');
}

async function digest(files: readonly string[]): Promise<string> {
  return digestOf(files, await Promise.all(files.map((f) => readFile(f).catch(unreadable))));
}

/** The files' digest now, synchronously: taken right where they were loaded. */
export function digestNow(files: readonly string[]): string {
  return digestOf(
    files,
    files.map((f) => {
      try {
        return readFileSync(f);
      } catch (err) {
        return unreadable(err);
      }
    }),
  );
}

/**
 * Calls onChange after any content change of files() from `loaded`, the digest of what was
 * loaded (digestNow at load time): a change made before the first poll finishes is not
 * mistaken for the starting point. Returns a stop function.
 */
export function watchFiles(files: () => string[], intervalMs: number, onChange: () => void, loaded?: string): () => void {
  let last: string | undefined = loaded;
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    digest(files())
      .then((d) => {
        if (last !== undefined && d !== last) onChange();
        last = d;
      })
      .finally(() => {
        busy = false;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  // Never the reason the process stays up.
  timer.unref();
  return () => clearInterval(timer);
}
