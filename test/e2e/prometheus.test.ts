/**
 * End to end with a real Prometheus (deliverable 4 of the alerting issue). In one fresh
 * network namespace: a listener whose queue the test fills, an idle listener, a listen(0)
 * listener holding one connection, the built exporter, and Prometheus scraping it with
 * the shipped rules file loaded. Everything is read back through Prometheus's query API
 * and compared with what `ss` and the kernel say.
 *
 * Needs root, iproute2, curl, python3 and the Debian `prometheus` package; a missing tool
 * fails the test (CI installs them all).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTS, alertValue } from '../../scripts/alerting/alerts.js';
import { DEFAULT_CONFIG } from '../../scripts/alerting/config.js';
import { DEF, useInlined, useRecorded } from '../../scripts/alerting/definitions.js';
import { RULES_FILE } from '../../scripts/alerting/outputs.js';
import { alertExpr } from '../../scripts/alerting/prometheus-rules.js';
import { NO_SCOPE } from '../../scripts/alerting/promql.js';
import { repoPath } from '../support/alerting.js';
import { type RunningExporter, startExporter } from '../support/exporter.js';
import { valueOf } from '../../lab/exposition.js';
import { connectClients, createNetns, listen, type Netns, tcpExtCounter, waitFor } from '../../lab/netns.js';
import { type PromSample, type RunningPrometheus, startPrometheus } from '../support/prometheus.js';
import { requireBinary } from '../support/promtool.js';

const JOB = 'listenq-exporter';
const saturated = ALERTS.find((a) => a.name === 'ListenQueueSaturated')!;

let ns: Netns | undefined;
let exporter: RunningExporter | undefined;
let prom: RunningPrometheus | undefined;
let fullPort = 0;
let idlePort = 0;
let zeroPort = 0;

/** Recv-Q and Send-Q of a listener as `ss` prints them (no State column with `state`). */
async function ssQueue(port: number): Promise<{ queueLength: number; limit: number }> {
  const out = await ns!.run(['ss', '-tnH', 'state', 'listening']);
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[2] === `127.0.0.1:${port}`) return { queueLength: Number(f[0]), limit: Number(f[1]) };
  }
  throw new Error(`ss shows no listener on 127.0.0.1:${port}:\n${out}`);
}

async function queryOne(expr: string): Promise<PromSample> {
  const r = await prom!.query(expr);
  if (r.length !== 1) throw new Error(`${expr}: ${r.length} series`);
  return r[0]!;
}

/** Polls until the query returns something `ok` accepts (scrapes and rule runs are async). */
function eventually(expr: string, ok: (r: PromSample[]) => boolean, timeoutMs = 30_000): Promise<PromSample[]> {
  return waitFor(
    `${expr} through Prometheus`,
    async () => {
      const r = await prom!.query(expr);
      return ok(r) ? r : undefined;
    },
    timeoutMs,
    500,
  );
}

const ports = (r: readonly PromSample[]): string[] => r.map((s) => s.metric['port']!).sort();

beforeAll(async () => {
  // Fail, not skip, without the server: CI installs it.
  requireBinary('prometheus');
  ns = await createNetns('lq-e2e');
  const full = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
  const idle = await listen(ns, { addr: '127.0.0.1', backlog: 128 });
  const zero = await listen(ns, { addr: '127.0.0.1', backlog: 0 });
  fullPort = full.port;
  idlePort = idle.port;
  zeroPort = zero.port;
  // 20 clients against limit 4: the queue holds 5 (limit + 1), the rest retransmit SYNs,
  // which the kernel counts as ListenOverflows.
  await connectClients(ns, '127.0.0.1', fullPort, 20);
  await connectClients(ns, '127.0.0.1', zeroPort, 1);
  exporter = await startExporter(ns);
  prom = await startPrometheus(ns, {
    scrapeConfigs: [{ job_name: JOB, static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }] }],
    ruleFiles: [repoPath(RULES_FILE)],
  });
}, 90_000);

afterAll(async () => {
  // Each step runs even if an earlier one failed, so the namespace is always removed.
  await prom?.stop().catch(() => undefined);
  await exporter?.stop().catch(() => undefined);
  await ns?.destroy();
}, 60_000);

describe('real Prometheus scraping the exporter, with the shipped rules loaded', () => {
  it('scrapes the target and loads every rule without evaluation errors', async () => {
    await eventually(`up{job="${JOB}"} == 1`, (r) => r.length === 1);
    const data = (await waitFor(
      'every rule evaluated once',
      async () => {
        const d = (await prom!.api('/api/v1/rules')) as {
          groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }>;
        };
        const rules = d.groups.flatMap((g) => g.rules);
        return rules.every((r) => r.health !== 'unknown') ? d : undefined;
      },
      30_000,
      500,
    )) as { groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> };
    const rules = data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name)).toEqual(expect.arrayContaining(ALERTS.map((a) => a.name)));
    for (const r of rules) expect(r.health, `${r.name}: ${r.lastError ?? ''}`).toBe('ok');
  }, 60_000);

  it('reads back the depth and limit that ss shows', async () => {
    const sel = `{job="${JOB}",address="127.0.0.1",port="${fullPort}"}`;
    await eventually(`listenq_accept_queue_length${sel}`, (r) => r.length === 1 && r[0]!.value === 5);
    const fromSs = await ssQueue(fullPort);
    expect(fromSs).toEqual({ queueLength: 5, limit: 4 });
    expect((await queryOne(`listenq_accept_queue_length${sel}`)).value).toBe(fromSs.queueLength);
    expect((await queryOne(`listenq_accept_queue_limit${sel}`)).value).toBe(fromSs.limit);
    // A scrape of the exporter itself, through the shared validity check, says the same.
    const direct = await exporter!.metrics();
    expect(valueOf(direct, 'listenq_accept_queue_limit', { address: '127.0.0.1', port: String(fullPort) })).toBe(fromSs.limit);
    // The idle listener and the listen(0) one match ss too.
    for (const port of [idlePort, zeroPort]) {
      const s = await ssQueue(port);
      const p = `{job="${JOB}",port="${port}"}`;
      await eventually(`listenq_accept_queue_length${p}`, (r) => r.length === 1 && r[0]!.value === s.queueLength);
      expect((await queryOne(`listenq_accept_queue_limit${p}`)).value).toBe(s.limit);
    }
  }, 60_000);

  it('sees the overflow counter moving, never ahead of the kernel', async () => {
    const expr = `listenq_listen_overflows_total{job="${JOB}"}`;
    const first = await eventually(expr, (r) => r.length === 1 && r[0]!.value > 0);
    // More clients against the full queue: each SYN is dropped and counted right away
    // (the first 20 clients' retransmissions back off to 16 s and more).
    await connectClients(ns!, '127.0.0.1', fullPort, 5);
    const later = await eventually(expr, (r) => r.length === 1 && r[0]!.value > first[0]!.value);
    expect(later[0]!.value).toBeLessThanOrEqual(await tcpExtCounter(ns!, 'ListenOverflows'));
    await eventually(`increase(${expr}[1m]) > 0`, (r) => r.length === 1);
  }, 60_000);

  it('selects exactly the full listener with the saturation alert, never the limit-0 or idle one', async () => {
    // The recording rule: 5 / 4 for the full listener, 0 for the idle one, and no series at
    // all for limit 0. (The exporter's and Prometheus's own listeners live here too.)
    const ratio = await eventually(`${DEF.peakFill.record}{job="${JOB}"}`, (r) =>
      [fullPort, idlePort].every((p) => r.some((s) => s.metric['port'] === String(p))),
    );
    const ratioOf = (port: number) => ratio.find((s) => s.metric['port'] === String(port))?.value;
    expect(ratioOf(fullPort)).toBe(1.25);
    expect(ratioOf(idlePort)).toBe(0);
    expect(ratioOf(zeroPort)).toBeUndefined();
    expect((await queryOne(`listenq_accept_queue_limit{job="${JOB}",port="${zeroPort}"}`)).value).toBe(0);

    // The alert expression exactly as shipped, and its Grafana twin with definitions inlined.
    for (const use of [useRecorded, useInlined(NO_SCOPE)]) {
      const expr = alertExpr(alertValue(saturated, use, DEFAULT_CONFIG), saturated);
      const hit = await eventually(expr, (r) => r.length > 0);
      // One alert per listener: its SO_REUSEPORT slots are folded together.
      expect(hit.map((s) => [s.metric['address'], s.metric['port'], s.metric['slot']]), expr).toEqual([
        ['127.0.0.1', String(fullPort), undefined],
      ]);
    }

    // Prometheus itself evaluates the loaded rule: pending (for: 5m) for that listener only.
    const pending = await eventually('ALERTS{alertname="ListenQueueSaturated"}', (r) => r.length > 0);
    expect(ports(pending)).toEqual([String(fullPort)]);
    expect(pending[0]!.metric['alertstate']).toBe('pending');
    expect(pending[0]!.metric['severity']).toBe('warning');
  }, 60_000);

  it('flags the tiny limit 4 and the listen(0) listener as too small without dividing, not the idle one', async () => {
    const pending = await eventually('ALERTS{alertname="ListenQueueLimitTooSmall"}', (r) => r.length >= 2);
    expect(ports(pending)).toEqual([String(fullPort), String(zeroPort)].sort());
    for (const a of pending) expect(a.metric['severity']).toBe('info');
  }, 60_000);
});
