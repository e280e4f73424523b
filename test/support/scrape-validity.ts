/**
 * The one validity check every scrape a test takes goes through (exporter.ts routes its
 * scrape helpers here): no label set twice in a body, and each body accepted by a parser
 * this project did not write, the Prometheus Python client library's (Debian package
 * python3-prometheus-client; .ci/run installs it). Its OpenMetrics parser is strict, and
 * rejects e.g. a series that returns after another one of its family; a duplicate next to
 * its twin slips past it, so the duplicate check here does not rely on it.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PYTHON } from '../../lab/netns.js';

export type ScrapeFormat = 'prometheus' | 'openmetrics';

export const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0';

const WORKER = fileURLToPath(new URL('./validate-exposition.py', import.meta.url));

/** Debian's interpreter first: the package installs into its dist-packages only. */
function pythonWithClient(): string {
  for (const candidate of ['/usr/bin/python3', PYTHON]) {
    try {
      execFileSync(candidate, ['-c', 'import prometheus_client.openmetrics.parser'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next interpreter
    }
  }
  throw new Error('no python3 with prometheus_client: install the Debian package python3-prometheus-client (.ci/run does)');
}

interface Answer {
  readonly ok: boolean;
  readonly error?: string;
  readonly families?: number;
  readonly samples?: number;
}

/** One Python process per test worker, answering requests in order. */
class ParserWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<{ resolve: (a: Answer) => void; reject: (e: Error) => void }> = [];
  private stderr = '';
  private dead: Error | undefined;

  constructor() {
    this.child = spawn(pythonWithClient(), [WORKER], { stdio: ['pipe', 'pipe', 'pipe'] });
    // Never what keeps a test process alive.
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as Socket).unref?.();
    this.child.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 1 << 16) this.stderr += d.toString();
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.waiting.shift()?.resolve(JSON.parse(line) as Answer);
    });
    const fail = (why: string) => {
      this.dead = new Error(`the prometheus_client parser process ${why}: ${this.stderr}`);
      for (const w of this.waiting.splice(0)) w.reject(this.dead);
    };
    this.child.on('exit', (code, signal) => fail(`exited (${code ?? signal})`));
    this.child.on('error', (err) => fail(`failed: ${err.message}`));
  }

  parse(format: ScrapeFormat, body: string): Promise<Answer> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ format, body })}\n`);
    });
  }
}

let worker: ParserWorker | undefined;

/** `name{sorted labels}` of one sample line; throws on a line that is not a sample. */
export function seriesKey(line: string): string {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) throw new Error(`not a sample line: ${line}`);
  let i = name.length;
  const labels: Array<[string, string]> = [];
  if (line[i] === '{') {
    i++;
    for (;;) {
      if (line[i] === '}') break;
      const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
      if (!label || line[i + label.length] !== '=' || line[i + label.length + 1] !== '"') {
        throw new Error(`bad label at column ${i} of: ${line}`);
      }
      i += label.length + 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
        i++;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[i++];
          value += e === 'n' ? '\n' : (e ?? '');
        } else {
          value += c;
        }
      }
      labels.push([label, value]);
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`expected , or } at column ${i} of: ${line}`);
    }
    i++;
  }
  // A value, and in the text format perhaps a timestamp in milliseconds (OpenMetrics: seconds).
  if (!/^ \S+(?: -?\d+(?:\.\d+)?)?$/.test(line.slice(i))) throw new Error(`no value, or more than value and timestamp, in: ${line}`);
  labels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const names = labels.map(([k]) => k);
  if (new Set(names).size !== names.length) throw new Error(`a label twice in: ${line}`);
  return `${name}{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** Throws naming the first series whose name and label set appear twice in the body. */
export function assertNoDuplicateSeries(body: string): void {
  const seen = new Map<string, number>();
  body.split('\n').forEach((line, n) => {
    if (line === '' || line.startsWith('#')) return;
    const key = seriesKey(line);
    const first = seen.get(key);
    if (first !== undefined) throw new Error(`duplicate series ${key} on lines ${first + 1} and ${n + 1}`);
    seen.set(key, n);
  });
}

/**
 * The shared assertion: the body has no duplicate series and the client library's parser
 * for its format reads all of it. Throws with the parser's complaint and the body's start.
 */
export async function assertValidScrape(body: string, format: ScrapeFormat): Promise<void> {
  const context = () => `${format} body (${body.length} bytes) starting:\n${body.slice(0, 400)}`;
  try {
    assertNoDuplicateSeries(body);
  } catch (err) {
    throw new Error(`invalid scrape: ${(err as Error).message}\nin the ${context()}`);
  }
  worker ??= new ParserWorker();
  const answer = await worker.parse(format, body);
  if (!answer.ok) throw new Error(`invalid scrape: prometheus_client's ${format} parser: ${answer.error}\nin the ${context()}`);
}
