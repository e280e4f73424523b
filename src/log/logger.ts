/**
 * pino logger writing to stderr, one event per line: JSON by default, logfmt for humans.
 */
import { pino, type Logger } from 'pino';

type LogFormat = 'json' | 'logfmt';

function logfmtValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? 'undefined';
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}

/** Formats one pino JSON line as logfmt: ts, level and msg first, then the other fields. */
function toLogfmt(jsonLine: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const { time, level, msg, ...rest } = rec;
  const levelName = typeof level === 'number' ? (pino.levels.labels[level] ?? String(level)) : String(level);
  const parts = [`ts=${logfmtValue(time)}`, `level=${levelName}`];
  if (msg !== undefined) parts.push(`msg=${logfmtValue(msg)}`);
  for (const [k, v] of Object.entries(rest)) parts.push(`${k}=${logfmtValue(v)}`);
  return `${parts.join(' ')}\n`;
}

export function createLogger(level: string, format: LogFormat): Logger {
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  const stderr = pino.destination({ fd: 2, sync: true });
  if (format === 'json') return pino(options, stderr);
  return pino(options, {
    write(line: string) {
      stderr.write(toLogfmt(line));
    },
  });
}
