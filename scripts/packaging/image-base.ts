/**
 * Local stand-ins for the Dockerfile's base images, for building the image where Docker Hub
 * is unreachable. A Debian base is made with debootstrap (minbase, from the mirror apt on this
 * machine uses) and trimmed the way Debian's slim images are; the Node base adds the official
 * node binary of the Dockerfile's NODE_VERSION (the npm registry ships it as the package
 * node-linux-<arch>) and this machine's npm. They are imported under exactly the names the
 * Dockerfile's FROM lines use, so the Dockerfile is built as written.
 *
 * debootstrap takes most of a minute, so the root filesystem tarball and the node package are
 * cached under /var/tmp/listenq-image-base (LISTENQ_IMAGE_CACHE overrides), keyed by a hash of
 * everything that goes into them; images already in container storage with the same key are
 * reused as they are.
 *
 * Run by hand: npx tsx scripts/packaging/image-base.ts
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeChrootDir } from './fs-safety.js';
import { DOCKERFILE } from './paths.js';

const execFileP = promisify(execFile);

/** Bump when the recipe below changes, so cached bases are rebuilt. */
const RECIPE_VERSION = 3;
const KEY_LABEL = 'io.listenq.test.stand-in';
const PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const CACHE_DIR = process.env.LISTENQ_IMAGE_CACHE ?? '/var/tmp/listenq-image-base';

export class ToolingError extends Error {}

/** Commands the image build test needs, with the Debian package that provides each. */
export const REQUIRED_TOOLS: ReadonlyArray<readonly [string, string]> = [
  ['buildah', 'buildah'],
  ['podman', 'podman'],
  ['debootstrap', 'debootstrap'],
  ['unshare', 'util-linux'],
  ['nsenter', 'util-linux'],
  ['chroot', 'coreutils'],
  ['tar', 'tar'],
  ['curl', 'curl'],
  ['npm', 'npm (or Node.js from nodesource)'],
];

async function which(cmd: string): Promise<boolean> {
  try {
    await execFileP('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

/** Throws a ToolingError naming every missing tool and its package, and the need for root. */
export async function checkTooling(): Promise<void> {
  const missing: string[] = [];
  for (const [cmd, pkg] of REQUIRED_TOOLS) if (!(await which(cmd))) missing.push(`${cmd} (Debian package ${pkg})`);
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing: ${missing.join(', ')}`);
  if (process.getuid?.() !== 0) problems.push('not root: debootstrap, container storage and mount namespaces need root');
  if (problems.length > 0) {
    throw new ToolingError(
      `the image build test cannot run here: ${problems.join('; ')}. ` +
        'Install them (apt-get install buildah podman debootstrap fuse-overlayfs util-linux curl) and run as root.',
    );
  }
}

async function run(cmd: string, args: readonly string[], what: string): Promise<string> {
  try {
    const { stdout } = await execFileP(cmd, [...args], { maxBuffer: 64 << 20 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${what} failed: ${cmd} ${args.join(' ')}\n${(e.stderr ?? e.message).slice(-4000)}`);
  }
}

// ---- which bases the Dockerfile wants ---------------------------------------------------

/** The external images the Dockerfile's FROM lines name, after expanding ARG defaults. */
export function baseRefsFromDockerfile(text: string): string[] {
  const args = new Map<string, string>();
  const expand = (s: string) =>
    s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => {
      const name = (a ?? b)!;
      const v = args.get(name);
      if (v === undefined) throw new Error(`Dockerfile FROM uses $${name}, which has no default`);
      return v;
    });
  const stages = new Set<string>();
  const refs: string[] = [];
  let seenFrom = false;
  // Join continuation lines first; comments are whole lines in this Dockerfile style.
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/i.exec(line);
    if (arg && !seenFrom && arg[2] !== undefined) {
      args.set(arg[1]!, expand(arg[2].trim().replace(/^"(.*)"$/, '$1')));
      continue;
    }
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (!from) continue;
    seenFrom = true;
    const image = expand(from[1]!);
    if (!stages.has(image) && image !== 'scratch' && !refs.includes(image)) refs.push(image);
    if (from[2]) stages.add(from[2]);
  }
  return refs;
}

export type StandIn =
  | { readonly kind: 'debian'; readonly ref: string; readonly suite: string }
  | { readonly kind: 'node'; readonly ref: string; readonly suite: string; readonly nodeVersion: string };

export function standInFor(ref: string): StandIn {
  const node = /(?:^|\/)node:(\d+\.\d+\.\d+)-([a-z]+)-slim$/.exec(ref);
  if (node) return { kind: 'node', ref, nodeVersion: node[1]!, suite: node[2]! };
  // debian:SUITE-YYYYMMDD-slim is a dated build of the official image; the stand-in is made
  // from the suite as the mirror has it now, which for a stable suite differs only by updates.
  const debian = /(?:^|\/)debian:([a-z]+)(?:-\d{8})?-slim$/.exec(ref);
  if (debian) return { kind: 'debian', ref, suite: debian[1]! };
  throw new Error(
    `the image test can stand in only for node:X.Y.Z-SUITE-slim and debian:SUITE[-YYYYMMDD]-slim, not ${ref}; ` +
      'extend scripts/packaging/image-base.ts when the Dockerfile changes its bases',
  );
}

// ---- the Debian mirror -------------------------------------------------------------------

interface Mirrors {
  readonly main: string;
  readonly security: string;
}

/** The Debian mirror (and security mirror) this machine's apt is configured with. */
export function hostMirrors(): Mirrors {
  let main: string | undefined;
  let security: string | undefined;
  const deb822 = '/etc/apt/sources.list.d/debian.sources';
  if (existsSync(deb822)) {
    for (const stanza of readFileSync(deb822, 'utf8').split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      if (!uri || /^Enabled:\s*no/im.test(stanza)) continue;
      if (/security/.test(uri)) security ??= uri;
      else main ??= uri;
    }
  }
  if (!main && existsSync('/etc/apt/sources.list')) {
    for (const line of readFileSync('/etc/apt/sources.list', 'utf8').split('\n')) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
      if (!m) continue;
      if (/security/.test(m[1]!) || /security/.test(m[2]!)) security ??= m[1];
      else main ??= m[1];
    }
  }
  return {
    main: main ?? 'http://deb.debian.org/debian',
    security: security ?? 'http://deb.debian.org/debian-security',
  };
}

function aptSources(m: Mirrors, suite: string): string {
  // The same layout as Debian's official images: deb822, main, updates and security.
  return [
    'Types: deb',
    `URIs: ${m.main}`,
    `Suites: ${suite} ${suite}-updates`,
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
    'Types: deb',
    `URIs: ${m.security}`,
    `Suites: ${suite}-security`,
    'Components: main',
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
    '',
  ].join('\n');
}

/** What Debian's slim images exclude from every package install (debuerreotype's slimify). */
const SLIM_DPKG_EXCLUDES = [
  'path-exclude /usr/share/doc/*',
  'path-include /usr/share/doc/*/copyright',
  'path-exclude /usr/share/info/*',
  'path-exclude /usr/share/linda/*',
  'path-exclude /usr/share/lintian/overrides/*',
  'path-exclude /usr/share/locale/*',
  'path-exclude /usr/share/man/*',
  'path-exclude /usr/share/groff/*',
  '',
].join('\n');

const SLIM_TRIM = [
  'var/cache/apt',
  'var/lib/apt/lists',
  'usr/share/info',
  'usr/share/locale',
  'usr/share/man',
  'usr/share/groff',
  'usr/share/lintian',
  'usr/share/linda',
];

// ---- building the stand-ins --------------------------------------------------------------

const hash = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);

async function imageKey(ref: string): Promise<string | undefined> {
  try {
    const out = await execFileP('podman', ['image', 'inspect', '--format', `{{index .Labels "${KEY_LABEL}"}}`, ref]);
    return out.stdout.trim();
  } catch {
    return undefined;
  }
}

async function debianRootfsTar(suite: string, mirrors: Mirrors, key: string, log: (s: string) => void): Promise<string> {
  const tarPath = join(CACHE_DIR, `debian-${suite}-${key}.tar`);
  if (existsSync(tarPath)) return tarPath;
  await mkdir(CACHE_DIR, { recursive: true });
  const work = await mkdtemp(join(CACHE_DIR, 'work-'));
  try {
    const rootfs = join(work, 'rootfs');
    log(`debootstrap --variant=minbase ${suite} from ${mirrors.main} (about a minute)`);
    await run('debootstrap', ['--variant=minbase', suite, rootfs, mirrors.main], 'debootstrap');
    for (const p of SLIM_TRIM) {
      await rm(join(rootfs, p), { recursive: true, force: true });
      await mkdir(join(rootfs, p), { recursive: true });
    }
    await mkdir(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
    await mkdir(join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
    await run('find', [join(rootfs, 'usr/share/doc'), '-mindepth', '1', '-not', '-name', 'copyright', '-not', '-type', 'd', '-delete'], 'trim docs');
    await rm(join(rootfs, 'etc/apt/sources.list'), { force: true });
    await writeFile(join(rootfs, 'etc/apt/sources.list.d/debian.sources'), aptSources(mirrors, suite));
    await writeFile(join(rootfs, 'etc/dpkg/dpkg.cfg.d/docker'), SLIM_DPKG_EXCLUDES);
    await writeFile(join(rootfs, 'etc/hostname'), 'localhost\n');
    const partial = `${tarPath}.${process.pid}.partial`;
    await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', partial, '.'], 'tar rootfs');
    await rename(partial, tarPath);
    return tarPath;
  } finally {
    await removeChrootDir(work);
  }
}

async function nodePackage(version: string, log: (s: string) => void): Promise<string> {
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch as string];
  if (!arch) throw new Error(`no node-linux package for architecture ${process.arch}`);
  const file = join(CACHE_DIR, `node-linux-${arch}-${version}.tgz`);
  if (existsSync(file)) return file;
  await mkdir(CACHE_DIR, { recursive: true });
  log(`npm pack node-linux-${arch}@${version}`);
  const dir = await mkdtemp(join(CACHE_DIR, 'pack-'));
  try {
    await run('npm', ['pack', '--silent', `node-linux-${arch}@${version}`, '--pack-destination', dir], 'npm pack');
    await rename(join(dir, `node-linux-${arch}-${version}.tgz`), file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return file;
}

async function hostNpmDir(): Promise<{ dir: string; version: string }> {
  const root = (await run('npm', ['root', '-g'], 'npm root -g')).trim();
  const dir = join(root, 'npm');
  const version = (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  return { dir, version };
}

async function ensureDebian(suite: string, log: (s: string) => void): Promise<string> {
  const mirrors = hostMirrors();
  const key = hash({ RECIPE_VERSION, suite, mirrors, SLIM_TRIM, SLIM_DPKG_EXCLUDES });
  const name = `localhost/listenq-stand-in/debian:${suite}-${key}`;
  if ((await imageKey(name)) === key) return name;
  const tar = await debianRootfsTar(suite, mirrors, key, log);
  log(`podman import ${name}`);
  await run(
    'podman',
    ['import', '--change', `LABEL ${KEY_LABEL}=${key}`, '--change', `ENV PATH=${PATH_ENV}`, '--change', 'CMD ["bash"]', tar, name],
    'podman import',
  );
  return name;
}

async function ensureNode(suite: string, version: string, log: (s: string) => void): Promise<string> {
  const debian = await ensureDebian(suite, log);
  const npm = await hostNpmDir();
  const key = hash({ RECIPE_VERSION, debian, version, npm: npm.version });
  const name = `localhost/listenq-stand-in/node:${version}-${suite}-${key}`;
  if ((await imageKey(name)) === key) return name;
  const pkg = await nodePackage(version, log);
  const work = await mkdtemp(join(CACHE_DIR, 'node-'));
  let ctr: string | undefined;
  try {
    // The same layout as the official image: node and npm under /usr/local.
    await run('tar', ['-xzf', pkg, '-C', work], 'unpack node package');
    const usrLocal = join(work, 'layer/usr/local');
    await mkdir(join(usrLocal, 'bin'), { recursive: true });
    await mkdir(join(usrLocal, 'lib/node_modules'), { recursive: true });
    await cp(join(work, 'package/bin/node'), join(usrLocal, 'bin/node'));
    await chmod(join(usrLocal, 'bin/node'), 0o755);
    await cp(join(work, 'package/include'), join(usrLocal, 'include'), { recursive: true });
    await cp(npm.dir, join(usrLocal, 'lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true });
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(usrLocal, 'bin/npm'));
    await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(usrLocal, 'bin/npx'));
    await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', join(work, 'layer'), '-cf', join(work, 'layer.tar'), '.'], 'tar node layer');
    log(`buildah commit ${name}`);
    ctr = (await run('buildah', ['from', '--pull=never', debian], 'buildah from')).trim();
    await run('buildah', ['add', ctr, join(work, 'layer.tar'), '/'], 'buildah add');
    await run(
      'buildah',
      ['config', '--env', `PATH=${PATH_ENV}`, '--env', `NODE_VERSION=${version}`, '--cmd', 'node', '--label', `${KEY_LABEL}=${key}`, ctr],
      'buildah config',
    );
    await run('buildah', ['commit', '--rm', ctr, name], 'buildah commit');
    ctr = undefined;
    return name;
  } finally {
    if (ctr) await execFileP('buildah', ['rm', ctr]).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

export interface PreparedBase {
  readonly ref: string;
  readonly standIn: string;
}

/** Makes (or reuses) a stand-in for every base the Dockerfile names, tagged with that name. */
export async function prepareBaseImages(
  dockerfileText = readFileSync(DOCKERFILE, 'utf8'),
  log: (s: string) => void = () => undefined,
): Promise<PreparedBase[]> {
  await checkTooling();
  const out: PreparedBase[] = [];
  for (const ref of baseRefsFromDockerfile(dockerfileText)) {
    const s = standInFor(ref);
    const standIn = s.kind === 'node' ? await ensureNode(s.suite, s.nodeVersion, log) : await ensureDebian(s.suite, log);
    await run('podman', ['tag', standIn, ref], 'podman tag');
    out.push({ ref, standIn });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = Date.now();
  const bases = await prepareBaseImages(undefined, (s) => process.stderr.write(`${s}\n`));
  for (const b of bases) process.stdout.write(`${b.ref} <- ${b.standIn}\n`);
  process.stdout.write(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
