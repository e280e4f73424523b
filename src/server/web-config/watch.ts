/**
 * Polls file contents. Polling rather than fs.watch because Kubernetes updates mounted
 * secrets by swapping a symlinked directory, which inotify on the old file never reports;
 * contents rather than mtime because a rewrite of a same-length hash within one timestamp
 * tick would keep size and mtime. A few KB read every couple of seconds costs nothing.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

async function digest(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const file of files) {
    h.update(file).update('\0');
    try {
      h.update(await readFile(file));
    } catch (err) {
      h.update(`unreadable:${(err as NodeJS.ErrnoException).code ?? ''}`);
    }
    h.update('\0');
  }
  return h.digest('hex');
}

/** Calls onChange after any content change of files(); returns a stop function. */
export function watchFiles(files: () => string[], intervalMs: number, onChange: () => void): () => void {
  let last: string | undefined;
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
