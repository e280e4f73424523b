/**
 * Builds the Dockerfile with buildah, offline from Docker Hub: the bases must already be in
 * local storage (see image-base.ts), hence --pull=never. RUN steps use the host network
 * because the build installs packages from the npm registry and Debian's mirror.
 *
 * If this machine's npm is set up with its own CA file or registry (a proxy that re-signs
 * TLS, a private mirror), the same settings are handed to the build's npm through a mounted
 * ~/.npmrc. Nothing of it is written into the image (see npmMounts).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

const execFileP = promisify(execFile);
const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

export interface BuildOptions {
  readonly tag: string;
  readonly buildArgs?: Record<string, string>;
  readonly contextDir?: string;
}

async function npmConfig(key: string): Promise<string | undefined> {
  try {
    const v = (await execFileP('npm', ['config', 'get', key])).stdout.trim();
    return v === '' || v === 'null' || v === 'undefined' ? undefined : v;
  } catch {
    return undefined;
  }
}

/**
 * `-v` arguments that give the build's npm this machine's CA file and registry, if any: a
 * throwaway directory mounted over /root (HOME in the build) holding .npmrc and the CA file.
 * A directory over an existing one leaves no mount point behind in the image, unlike file
 * mounts, whose empty mount-point files would end up in a layer.
 */
async function npmMounts(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const cafile = await npmConfig('cafile');
  if (cafile && existsSync(cafile)) {
    await copyFile(cafile, join(dir, 'build-ca.crt'));
    lines.push('cafile=/root/build-ca.crt');
  }
  const registry = await npmConfig('registry');
  if (registry && registry !== DEFAULT_REGISTRY) lines.push(`registry=${registry}`);
  if (lines.length === 0) return [];
  await writeFile(join(dir, '.npmrc'), `${lines.join('\n')}\n`);
  return ['-v', `${dir}:/root`];
}

/** Runs the build; resolves with its combined log, rejects with the log's tail on failure. */
export async function buildImage(opts: BuildOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'listenq-build-'));
  try {
    const home = join(dir, 'home');
    await mkdir(home);
    const args = ['build', '--pull=never', '--isolation=chroot', '--network=host', '--layers', '--force-rm', ...(await npmMounts(home))];
    for (const [k, v] of Object.entries(opts.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
    const context = opts.contextDir ?? REPO_ROOT;
    args.push('-f', join(context, 'Dockerfile'), '-t', opts.tag, context);
    try {
      const { stdout, stderr } = await execFileP('buildah', args, { maxBuffer: 256 << 20 });
      return stdout + stderr;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      const log = `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
      throw new Error(`buildah ${args.join(' ')} failed:\n${log.slice(-6000)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
