/**
 * The bcrypt checks that uncached logins need, run one at a time on a worker thread, with
 * the wait shared fairly between client addresses: a guesser cannot push a real scraper's
 * first login to the back of a long queue or out of it. Each address may have a few checks
 * waiting and the whole queue is bounded, so a flood costs at most one core and a little
 * memory; beyond that the answer is "busy" (429).
 */
import { Worker } from 'node:worker_threads';
import { parseIpText } from '../../net/ip-address.js';
import type { BcryptAnswer, BcryptJob } from './bcrypt-worker.js';

export type CheckOutcome = 'match' | 'mismatch' | 'busy';

interface QueueLimits {
  /** Checks one client address may have waiting. */
  readonly perClient: number;
  /** Checks waiting in all. */
  readonly total: number;
}

const DEFAULT_LIMITS: QueueLimits = { perClient: 4, total: 64 };

interface Pending {
  readonly client: string;
  readonly password: Uint8Array;
  readonly hash: string;
  readonly resolve: (outcome: CheckOutcome) => void;
}

/**
 * The fairness key of a peer address: IPv4 as is, IPv6 by /64 (one host commonly holds a
 * whole /64, so single addresses would let it take every turn), v4-mapped as IPv4.
 */
export function clientKey(remoteAddress: string | undefined): string {
  const bytes = parseIpText(remoteAddress ?? '');
  if (!bytes) return remoteAddress ?? '';
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.subarray(12).join('.');
  return `${Buffer.from(bytes.subarray(0, 8)).toString('hex')}::/64`;
}

/**
 * The built worker file; under vitest the sources run as TypeScript, and a worker does not
 * inherit the loader, so it registers tsx itself before loading the worker source.
 */
function startWorker(): Worker {
  // bcrypt needs a few KiB; a small heap keeps the thread's cost near its ~10 MiB baseline.
  const resourceLimits = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./bcrypt-worker.js', import.meta.url), { resourceLimits });
  const source = JSON.stringify(new URL('./bcrypt-worker.ts', import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${source}); });`, { eval: true });
}

export class BcryptQueue {
  private worker: Worker | undefined;
  private running: (Pending & { readonly id: number }) | undefined;
  /** Per client, in turn order: the client served next is first; served clients go last. */
  private readonly waiting = new Map<string, Pending[]>();
  private waitingCount = 0;
  private nextId = 0;

  constructor(private readonly limits: QueueLimits = DEFAULT_LIMITS) {}

  check(client: string, password: Uint8Array, hash: string): Promise<CheckOutcome> {
    return new Promise((resolve) => {
      const own = this.waiting.get(client) ?? [];
      if (own.length >= this.limits.perClient) return resolve('busy');
      if (this.waitingCount >= this.limits.total && !this.evictFromLongest(own.length)) return resolve('busy');
      own.push({ client, password, hash, resolve });
      if (!this.waiting.has(client)) this.waiting.set(client, own);
      this.waitingCount++;
      this.pump();
    });
  }

  /** Answers every waiting and running check "busy" and stops the worker, however long its check would run. */
  reset(): void {
    const running = this.running;
    this.running = undefined;
    void this.worker?.terminate();
    this.worker = undefined;
    running?.resolve('busy');
    for (const jobs of this.waiting.values()) for (const job of jobs) job.resolve('busy');
    this.waiting.clear();
    this.waitingCount = 0;
  }

  /** Starts the worker ahead of the first check, so the first login does not wait for it. */
  warm(): void {
    this.spawn();
  }

  /** The queue is full: the client with most waiting gives up its newest, if it has more than `than`. */
  private evictFromLongest(than: number): boolean {
    let longest: Pending[] | undefined;
    for (const jobs of this.waiting.values()) if (!longest || jobs.length > longest.length) longest = jobs;
    if (!longest || longest.length <= than) return false;
    longest.pop()?.resolve('busy');
    this.waitingCount--;
    return true;
  }

  private pump(): void {
    if (this.running) return;
    const next = this.waiting.entries().next();
    if (next.done) return;
    const [client, jobs] = next.value;
    const job = jobs.shift();
    this.waiting.delete(client);
    if (jobs.length > 0) this.waiting.set(client, jobs);
    if (!job) return this.pump();
    this.waitingCount--;
    const id = this.nextId++;
    this.running = { ...job, id };
    const message: BcryptJob = { id, password: job.password, hash: job.hash };
    this.spawn().postMessage(message);
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    // Never the reason the process stays up.
    worker.unref();
    worker.on('message', (answer: BcryptAnswer) => this.finish(answer.id, answer.match ? 'match' : 'mismatch'));
    // A worker that dies takes its check with it; the next check starts a new one.
    const lost = () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      if (this.running) this.finish(this.running.id, 'busy');
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    this.worker = worker;
    return worker;
  }

  private finish(id: number, outcome: CheckOutcome): void {
    const running = this.running;
    if (!running || running.id !== id) return;
    this.running = undefined;
    running.resolve(outcome);
    this.pump();
  }
}
