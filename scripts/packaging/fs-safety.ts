/**
 * Guards for work directories that hold chroots. debootstrap mounts /proc (and more) inside
 * its target while it runs; if it is interrupted those mounts stay, and a plain recursive
 * delete would walk into them. Several test runs may also share one machine (developers run
 * the suite side by side), so the image setup takes a lock.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Mount points at or below dir, deepest first. */
function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(prefix)))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts whatever is left mounted below dir, then deletes it without crossing file systems. */
export async function removeChrootDir(dir: string): Promise<void> {
  for (const m of mountsUnder(dir)) await execFileP('umount', ['-l', m]).catch(() => undefined);
  if (mountsUnder(dir).length > 0) throw new Error(`cannot unmount everything below ${dir}; left it in place`);
  await execFileP('rm', ['-rf', '--one-file-system', dir]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs f holding a lock directory; a lock whose owner process is gone is taken over. */
export async function withLock<T>(lockDir: string, timeoutMs: number, f: () => Promise<T>, log: (s: string) => void): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => '0'));
      if (owner > 0 && !alive(owner)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir} (held by pid ${owner})`);
      if (!told) log(`waiting for ${lockDir}, held by pid ${owner} (another test run)`);
      told = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await f();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
