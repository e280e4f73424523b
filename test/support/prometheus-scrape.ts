/**
 * A real Prometheus (Debian package) inside a test namespace with scrape jobs the test
 * writes in full (TLS, client certificates, basic auth), so its own HTTP client is what
 * meets the exporter's web config. prometheus.ts covers plain-HTTP jobs with rule files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { httpGet } from './exporter.js';
import { type Netns, waitFor } from './netns.js';
import { requireBinary } from './promtool.js';

export interface ScrapingPrometheus {
  /** Instant query: each series as its labels and value. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  stop(): Promise<void>;
}

export async function startScrapingPrometheus(
  ns: Netns,
  scrapeConfigs: ReadonlyArray<Record<string, unknown>>,
  port = 9090,
): Promise<ScrapingPrometheus> {
  const bin = requireBinary('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'listenq-prom-tls-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    stringify({ global: { scrape_interval: '1s', scrape_timeout: '1s' }, scrape_configs: scrapeConfigs }),
  );
  const proc = ns.start([
    bin,
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const stop = async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'prometheus /-/ready',
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`prometheus exited: ${proc.stderr()}`);
        return (await httpGet(ns, port, '/-/ready')).status === 200 ? true : undefined;
      },
      30_000,
      250,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    async query(expr) {
      const r = await httpGet(ns, port, `/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = JSON.parse(r.body) as {
        status: string;
        error?: string;
        data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      if (body.status !== 'success' || !body.data) throw new Error(`${expr}: ${body.error ?? r.body.slice(0, 300)}`);
      return body.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
    },
    stop,
  };
}
