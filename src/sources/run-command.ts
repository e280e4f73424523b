/**
 * Runs a program with a fixed argv (never a shell), a time limit and an output cap. A
 * program that hangs or floods is killed, and the caller gets an error, not a partial result.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  readonly timeoutMs: number;
  /** stdout beyond this many bytes kills the program. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 32 << 20;
// ss inside some sandboxes prints one cgroup error per socket; keep only enough to report.
const MAX_STDERR_BYTES = 4096;

/** A program and its arguments, as spawned: never empty. */
export type CommandLine = readonly [file: string, ...args: string[]];

class CommandError extends Error {}

export function runCommand(file: string, args: readonly string[], opts: RunOptions): Promise<string> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const fail = (msg: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new CommandError(msg));
    };
    const timer = setTimeout(() => fail(`${file} did not finish within ${opts.timeoutMs} ms; killed`), opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (size > maxBytes) {
        fail(`${file} printed more than ${maxBytes} bytes; killed`);
        return;
      }
      chunks.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < MAX_STDERR_BYTES) stderr += d.toString('utf8', 0, MAX_STDERR_BYTES - stderr.length);
    });
    child.on('error', (err) => fail(`cannot run ${file}: ${err.message}`));
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (code === 0) {
        resolve(Buffer.concat(chunks).toString('utf8'));
      } else {
        const firstErr = stderr.trim().split('\n')[0] ?? '';
        reject(new CommandError(`${file} exited with ${signal ?? `code ${code}`}${firstErr ? `: ${firstErr}` : ''}`));
      }
    });
  });
}
