/**
 * A bounded password-guessing flood, for the flood test and bench/auth-flood.ts: autocannon
 * with `connections` keep-alive connections for `seconds`, each request a new wrong
 * password (every fourth for a made-up username), so no cache can answer it. Prints one
 * JSON line: how many answers of each status came back.
 *
 *   tsx test/security/flood-client.ts <url> <connections> <seconds> <user>
 */
import { createRequire } from 'node:module';

/** The parts of autocannon's API used here (the package ships no types). */
interface FloodRequest {
  readonly headers?: Readonly<Record<string, string>>;
}
interface FloodResult {
  readonly statusCodeStats?: Readonly<Record<string, { readonly count: number }>>;
  readonly errors: number;
  readonly timeouts: number;
  readonly requests: { readonly total: number };
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: Array<{ method: string; setupRequest: (req: FloodRequest) => FloodRequest }>;
}) => Promise<FloodResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const [url, connections, seconds, user] = process.argv.slice(2);
if (!url || !connections || !seconds || !user) {
  process.stderr.write('usage: flood-client.ts <url> <connections> <seconds> <user>\n');
  process.exit(2);
}

let n = 0;
const guess = (): string => {
  n++;
  const name = n % 4 === 0 ? `nobody-${n}` : user;
  return `Basic ${Buffer.from(`${name}:guess-${process.pid}-${n}`).toString('base64')}`;
};

const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  requests: [
    {
      method: 'GET',
      setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: guess() } }),
    },
  ],
});
const statuses: Record<string, number> = {};
for (const [code, s] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = s.count;
process.stdout.write(`${JSON.stringify({ statuses, errors: result.errors, timeouts: result.timeouts, requests: result.requests.total })}\n`);
