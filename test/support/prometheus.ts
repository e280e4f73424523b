/**
 * A real Prometheus server (Debian package) inside a test's network namespace, with its
 * own temp config and TSDB, queried through its HTTP API with curl inside the namespace.
 * Tests write the scrape jobs in full (plain HTTP, or TLS, client certificates and basic
 * auth), so Prometheus's own HTTP client is what meets the exporter.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { httpGet } from './exporter.js';
import { type ManagedProcess, type Netns, waitFor } from '../../lab/netns.js';
import { requireBinary } from './promtool.js';

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface RunningPrometheus {
  readonly port: number;
  readonly process: ManagedProcess;
  /** Instant query; throws on an API error. */
  query(expr: string): Promise<PromSample[]>;
  /** GET an API path and return the parsed `data` field. */
  api(path: string): Promise<unknown>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Prometheus `scrape_configs` entries. */
  readonly scrapeConfigs: ReadonlyArray<Record<string, unknown>>;
  readonly ruleFiles?: readonly string[];
  /** Inside the namespace nothing else listens, so a fixed port is safe. */
  readonly port?: number;
}

interface ApiResponse {
  status: string;
  error?: string;
  data?: unknown;
}

export async function startPrometheus(ns: Netns, o: PrometheusOptions): Promise<RunningPrometheus> {
  const bin = requireBinary('prometheus');
  const port = o.port ?? 9090;
  const dir = mkdtempSync(join(tmpdir(), 'listenq-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    stringify({
      // Fast scrapes and rule evaluation so the test sees results within seconds.
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [...(o.ruleFiles ?? [])],
      scrape_configs: [...o.scrapeConfigs],
    }),
  );
  const proc = ns.start([
    bin,
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);

  const api = async (path: string): Promise<unknown> => {
    const r = await httpGet(ns, port, path);
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
    const body = JSON.parse(r.body) as ApiResponse;
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? r.body.slice(0, 300)}`);
    return body.data;
  };
  const stop = async (): Promise<void> => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      'prometheus /-/ready',
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`prometheus exited: ${proc.stderr()}`);
        const r = await httpGet(ns, port, '/-/ready');
        return r.status === 200 ? true : undefined;
      },
      30_000,
      250,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    port,
    process: proc,
    api,
    async query(expr) {
      const data = (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as {
        resultType: string;
        result: Array<{ metric: Record<string, string>; value: [number, string] }>;
      };
      if (data.resultType !== 'vector') throw new Error(`${expr}: result type ${data.resultType}`);
      return data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
    },
    stop,
  };
}
