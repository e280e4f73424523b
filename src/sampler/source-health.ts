/**
 * Per-source health across samples: up/down, duration, error and rejected-line totals, and
 * logging that says when a source breaks or recovers without a line per sample.
 */
import type { Logger } from 'pino';
import type { SourceOutcome } from './outcome.js';
import type { SourceName, SourceStatus } from './snapshot.js';

const REPEAT_LOG_MS = 5 * 60_000;

interface State {
  up: boolean;
  durationSeconds: number;
  errorsTotal: number;
  rejectedLinesTotal: number;
  lastLoggedMs: number;
}

export class SourceHealth {
  private readonly states = new Map<SourceName, State>();

  constructor(private readonly log: Logger) {}

  record(name: SourceName, outcome: SourceOutcome): void {
    let s = this.states.get(name);
    const first = !s;
    if (!s) {
      s = { up: true, durationSeconds: 0, errorsTotal: 0, rejectedLinesTotal: 0, lastLoggedMs: -Infinity };
      this.states.set(name, s);
    }
    const rejected = outcome.result?.rejected ?? 0;
    s.durationSeconds = outcome.seconds;
    s.rejectedLinesTotal += rejected;
    const now = performance.now();
    if (outcome.error) {
      s.errorsTotal++;
      if (s.up || now - s.lastLoggedMs >= REPEAT_LOG_MS) {
        this.log.warn({ source: name, err: outcome.error.message, errors_total: s.errorsTotal }, 'source failed');
        s.lastLoggedMs = now;
      }
      s.up = false;
      return;
    }
    if (!s.up && !first) this.log.info({ source: name }, 'source recovered');
    s.up = true;
    if (rejected > 0 && now - s.lastLoggedMs >= REPEAT_LOG_MS) {
      this.log.warn({ source: name, rejected_lines: rejected }, 'source output had lines that could not be parsed');
      s.lastLoggedMs = now;
    }
  }

  /** The status of every source recorded so far, in the order they were first recorded. */
  statuses(): Partial<Record<SourceName, SourceStatus>> {
    const out: Partial<Record<SourceName, SourceStatus>> = {};
    for (const [name, s] of this.states) {
      out[name] = {
        up: s.up,
        durationSeconds: s.durationSeconds,
        errorsTotal: s.errorsTotal,
        rejectedLinesTotal: s.rejectedLinesTotal,
      };
    }
    return out;
  }
}
