/** Worker thread: runs bcrypt checks so the event loop keeps serving while one runs. */
import { parentPort } from 'node:worker_threads';
import { blowfishInitialState } from './blowfish-constants.js';
import { bcryptMatches } from './bcrypt-bytes.js';

export interface BcryptJob {
  readonly id: number;
  readonly password: Uint8Array;
  readonly hash: string;
}

export interface BcryptAnswer {
  readonly id: number;
  readonly match: boolean;
}

const port = parentPort;
if (!port) throw new Error('bcrypt-worker runs as a worker thread only');
// Computed now, not during the first login.
blowfishInitialState();
port.on('message', (job: BcryptJob) => {
  let match = false;
  try {
    match = bcryptMatches(job.password, job.hash);
  } catch {
    // A hash that got past the config parser but does not decode matches nothing.
  }
  const answer: BcryptAnswer = { id: job.id, match };
  port.postMessage(answer);
});
