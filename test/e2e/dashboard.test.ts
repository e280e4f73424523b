/**
 * Every query of every dashboard panel, evaluated by a real Prometheus scraping the real
 * exporter, must return data: no panel ships empty or broken. Run in the default mode (one
 * network namespace, as a sidecar sees it) and in node-wide mode (--namespaces=all, the
 * exporter in the host namespace watching namespaces the test makes), with the variables at
 * All as a dashboard opens and $__rate_interval as Grafana computes it for a 1 s scrape.
 *
 * Needs root, iproute2, python3 and the Debian `prometheus` package; a missing tool fails
 * the test (CI installs them all).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_FILE } from '../../scripts/alerting/outputs.js';
import { arr, obj, readRepoFile, str } from '../support/alerting.js';
import { type RunningExporter, startExporter } from '../support/exporter.js';
import { connectClients, createNetns, hostNamespace, listen, type ManagedProcess, type Netns, waitFor } from '../../lab/netns.js';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.js';
import { requireBinary } from '../support/promtool.js';

// A web config with nothing in it (plain HTTP, no users): the web-config panels then have
// their series too, as for a user who runs with --web.config.file.
const WEB_CONFIG = join(mkdtempSync(join(tmpdir(), 'lq-dash-web-')), 'web.yml');
writeFileSync(WEB_CONFIG, '{}\n');

const JOB = 'listenq-exporter';

/**
 * Grafana's $__rate_interval for a 1 s scrape interval and a short range: max(4 x scrape
 * interval, step + scrape interval), here 4 s; 10 s keeps a few samples in every window.
 */
const RATE_INTERVAL = '10s';

interface PanelQuery {
  readonly where: string;
  readonly expr: string;
}

/** Every panel target's expression, with the variables as Grafana expands them at All. */
function panelQueries(): PanelQuery[] {
  const dash = obj(JSON.parse(readRepoFile(DASHBOARD_FILE)), DASHBOARD_FILE);
  return arr(dash['panels'], 'panels')
    .map((p, i) => obj(p, `panel ${i}`))
    .filter((p) => p['type'] !== 'row')
    .flatMap((p) =>
      arr(p['targets'], 'targets').map((t) => {
        const target = obj(t, 'target');
        const expr = str(target['expr'], 'expr')
          .replaceAll('$__rate_interval', RATE_INTERVAL)
          // Every variable is multi-valued with All = `.*`, the value a dashboard opens with.
          .replace(/\$\{?([A-Za-z]\w*)\}?/g, '.*');
        return { where: `${String(p['title'])}/${String(target['refId'])}`, expr };
      }),
    );
}

/**
 * Polls until every query returns at least one series (scrapes and rates need a few
 * seconds), then reports those that still return nothing.
 */
async function emptyQueries(prom: RunningPrometheus, queries: readonly PanelQuery[]): Promise<string[]> {
  let empty: string[] = [];
  try {
    await waitFor(
      'every panel query returning data',
      async () => {
        empty = [];
        for (const q of queries) {
          const r = await prom.query(q.expr);
          if (r.length === 0) empty.push(q.where);
        }
        return empty.length === 0 ? true : undefined;
      },
      45_000,
      1_000,
    );
  } catch {
    // the assertion below names what stayed empty
  }
  return empty;
}

const queries = panelQueries();

describe('dashboard panels against a real Prometheus and exporter', () => {
  it('has queries to check', () => {
    expect(queries.length).toBeGreaterThan(30);
  });

  describe('default mode: one network namespace', () => {
    let ns: Netns | undefined;
    let exporter: RunningExporter | undefined;
    let prom: RunningPrometheus | undefined;

    beforeAll(async () => {
      requireBinary('prometheus');
      ns = await createNetns('lq-dash');
      const full = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
      await listen(ns, { addr: '127.0.0.1', backlog: 128 });
      // A full queue: depth, peak, full seconds and overflows all move.
      await connectClients(ns, '127.0.0.1', full.port, 20);
      exporter = await startExporter(ns, ['--collector.process-names', `--web.config.file=${WEB_CONFIG}`]);
      prom = await startPrometheus(ns, {
        scrapeConfigs: [{ job_name: JOB, static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }] }],
      });
    }, 90_000);

    afterAll(async () => {
      await prom?.stop().catch(() => undefined);
      await exporter?.stop().catch(() => undefined);
      await ns?.destroy();
    }, 60_000);

    it('every panel query returns data', async () => {
      expect(await emptyQueries(prom!, queries)).toEqual([]);
    }, 90_000);
  });

  describe('node-wide mode: --namespaces=all', () => {
    const host = hostNamespace();
    const spaces: Netns[] = [];
    const clients: ManagedProcess[] = [];
    let exporter: RunningExporter | undefined;
    let prom: RunningPrometheus | undefined;

    beforeAll(async () => {
      requireBinary('prometheus');
      for (let i = 0; i < 2; i++) {
        const ns = await createNetns('lq-dash-all');
        spaces.push(ns);
        const l = await listen(ns, { addr: '127.0.0.1', backlog: 2 + i });
        clients.push(await connectClients(ns, '127.0.0.1', l.port, 10));
      }
      exporter = await startExporter(host, ['--namespaces=all', '--sample.interval=200ms', '--collector.process-names', `--web.config.file=${WEB_CONFIG}`]);
      // The host namespace is shared with other tests: a port of this worker's own range.
      prom = await startPrometheus(host, {
        port: 21000 + (process.pid % 500) * 2,
        scrapeConfigs: [{ job_name: JOB, static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }] }],
      });
    }, 90_000);

    afterAll(async () => {
      await prom?.stop().catch(() => undefined);
      await exporter?.stop().catch(() => undefined);
      for (const c of clients) await c.stop().catch(() => undefined);
      await host.destroy();
      for (const ns of spaces) await ns.destroy();
    }, 60_000);

    it('every panel query returns data', async () => {
      expect(await emptyQueries(prom!, queries)).toEqual([]);
    }, 90_000);
  });
});
