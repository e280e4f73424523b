/**
 * The built exporter with --web.config.file inside a test namespace, and curl over HTTPS
 * inside that namespace. Unlike exporter.ts, a refused request is a result, not an error:
 * the curl exit code and HTTP status are both returned.
 */
import { execFile } from 'node:child_process';
import { EXPORTER_MAIN } from './exporter.js';
import { type ManagedProcess, type Netns, waitFor } from '../../lab/netns.js';

export interface CurlOptions {
  readonly scheme?: 'https' | 'http';
  readonly cacert?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly user?: readonly [string, string];
  /** Raw `Authorization` header, for credentials that are not text. */
  readonly authorization?: string;
  /** Skip verifying the server certificate (one that has expired on purpose). */
  readonly insecure?: boolean;
  /** Source address to connect from (any 127/8 address is local), e.g. to be another client. */
  readonly from?: string;
}

export interface CurlResult {
  /** 0 when an HTTP answer came back; 35/56 and friends when TLS refused the connection. */
  readonly exitCode: number;
  /** 0 when there was no HTTP answer. */
  readonly status: number;
  readonly wwwAuthenticate: string;
  readonly body: string;
  readonly stderr: string;
}

export function curl(ns: Netns, port: number, path: string, o: CurlOptions = {}): Promise<CurlResult> {
  const argv = [...ns.enter, 'curl', '-sS', '--max-time', '5', '-o', '-'];
  argv.push('-w', '\n%{http_code}\n%header{www-authenticate}');
  if (o.cacert) argv.push('--cacert', o.cacert);
  if (o.cert) argv.push('--cert', o.cert);
  if (o.key) argv.push('--key', o.key);
  if (o.user) argv.push('--user', `${o.user[0]}:${o.user[1]}`);
  if (o.authorization) argv.push('-H', `Authorization: ${o.authorization}`);
  if (o.from) argv.push('--interface', o.from);
  if (o.insecure) argv.push('--insecure');
  argv.push(`${o.scheme ?? 'https'}://127.0.0.1:${port}${path}`);
  const [cmd, ...args] = argv;
  return new Promise((resolve) => {
    execFile(cmd!, args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const lines = stdout.split('\n');
      const auth = lines.pop() ?? '';
      const status = Number(lines.pop() ?? '0');
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      resolve({ exitCode: code, status, wwwAuthenticate: auth, body: lines.join('\n'), stderr });
    });
  });
}

export interface TlsExporter {
  readonly port: number;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

let nextPort = 19600 + (process.pid % 200) * 2;

/** Starts the exporter and waits until /readyz answers 200 through `probe` (TLS, no auth). */
export async function startWebConfigExporter(
  ns: Netns,
  webConfigFile: string,
  probe: CurlOptions,
  args: readonly string[] = [],
): Promise<TlsExporter> {
  const port = nextPort++;
  const proc = ns.start([
    process.execPath,
    EXPORTER_MAIN,
    `--web.listen-address=127.0.0.1:${port}`,
    `--web.config.file=${webConfigFile}`,
    '--sample.interval=200ms',
    ...args,
  ]);
  try {
    await waitFor(
      'exporter /readyz over the web config',
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`exporter exited ${proc.child.exitCode}: ${proc.stderr()}`);
        const r = await curl(ns, port, '/readyz', probe);
        return r.status === 200 ? true : undefined;
      },
      15_000,
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { port, process: proc, stop: () => proc.stop() };
}

interface Handshake {
  /** openssl's exit code: 0 when a session was established (and closed). */
  readonly exitCode: number;
  /** stdout and stderr together: the session summary, -msg traces and errors. */
  readonly output: string;
  /** Negotiated protocol and cipher, from the session summary ("" when none). */
  readonly protocol: string;
  readonly cipher: string;
}

/**
 * One real handshake with `openssl s_client`, sending `request` then reading until the
 * server closes (an HTTP/1.0 request makes it close at once after answering).
 */
export function sClient(ns: Netns, port: number, args: readonly string[], request = 'GET /healthz HTTP/1.0\r\n\r\n'): Promise<Handshake> {
  const argv = [...ns.enter, 'openssl', 's_client', '-connect', `127.0.0.1:${port}`, '-ign_eof', ...args];
  const [cmd, ...rest] = argv;
  return new Promise((resolve) => {
    const child = execFile(cmd!, rest, { encoding: 'utf8', timeout: 15_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const output = `${stdout}\n${stderr}`;
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      const m = /New, (\S+), Cipher is (\S+)/.exec(output);
      resolve({ exitCode: code, output, protocol: m?.[1] ?? '', cipher: m?.[2] === '(NONE)' ? '' : (m?.[2] ?? '') });
    });
    // A refused handshake can end s_client before it has read the request.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(request);
  });
}
