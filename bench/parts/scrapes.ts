/**
 * Item 4: /metrics under 50 concurrent scrapers against a bare Node.js server sending the
 * same bytes (4a), and the sample rate under that load (4b): scrapes cause no kernel work.
 */
import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exporter, Lab } from '../lab.js';
import { httpGet, httpGetRaw, sleep, waitFor200 } from '../lib.js';
import { HTTP_ADDR } from '../plan.js';
import { median } from '../stats.js';
import { fmtInt, fmtX, verdict } from '../table.js';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon');

interface AutocannonResult {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
  readonly non2xx: number;
  readonly errors: number;
}

async function autocannon(lab: Lab, url: string, seconds: number): Promise<AutocannonResult> {
  const p = lab.procs.start([process.execPath, AUTOCANNON, '-c', '50', '-d', String(seconds), '-H', 'accept-encoding=gzip', '-j', '-n', url]);
  const line = await p.nextLine((seconds + 60) * 1000);
  await lab.procs.stop(p);
  const j = JSON.parse(line) as {
    latency: { p50: number; p99: number };
    requests: { average: number };
    non2xx: number;
    errors: number;
    timeouts: number;
  };
  return { p50: j.latency.p50, p99: j.latency.p99, rps: j.requests.average, non2xx: j.non2xx, errors: j.errors + j.timeouts };
}

export async function scrapesUnderLoad(lab: Lab, exp: Exporter): Promise<void> {
  const { P, pop, table } = lab;
  await lab.section(['4a', '4b'], 'scrapes under load', async () => {
    const rate = async (seconds: number, load: boolean) => {
      // Samples between two sample instants over the time between them: no rounding to
      // whole samples per window.
      const s0 = await lab.samplesTotal(exp);
      const res = load ? await autocannon(lab, `${exp.base}/metrics`, seconds) : await sleep(seconds * 1000).then(() => undefined);
      const s1 = await lab.samplesTotal(exp);
      if (s1.at <= s0.at) throw new Error(`no sample taken during a ${seconds} s window`);
      return { rate: (s1.total - s0.total) / (s1.at - s0.at), res };
    };
    // Reference: a bare Node http server sending a copy of our body from memory, under the
    // same load, interleaved: what the machine and the load generator allow at this size.
    // Scrapers ask for gzip as Prometheus does; the reference sends the very bytes we sent.
    const body = (await httpGet(`${exp.base}/metrics`, exp.agent)).body;
    const wire = await httpGetRaw(`${exp.base}/metrics`, { 'accept-encoding': 'gzip' });
    const encoding = wire.headers['content-encoding'];
    const bodyFile = join(tmpdir(), `lqb-body-${process.pid}.bin`);
    writeFileSync(bodyFile, wire.body);
    const staticPort = lab.port();
    const staticSrv = lab.procs.start([
      process.execPath, '-e',
      `const b = require('fs').readFileSync(${JSON.stringify(bodyFile)}); require('http').createServer((q, s) => ` +
        `{ s.setHeader('content-type', 'text/plain; version=0.0.4'); ` +
        (typeof encoding === 'string' ? `s.setHeader('content-encoding', ${JSON.stringify(encoding)}); ` : '') +
        `s.end(b); }).listen(${staticPort}, '${HTTP_ADDR}');`,
    ]);
    const staticUrl = `http://${HTTP_ADDR}:${staticPort}/metrics`;
    await waitFor200(staticUrl, performance.now(), 20_000, () => staticSrv.child.exitCode === null);
    const idle: number[] = [];
    const busy: number[] = [];
    const runs: AutocannonResult[] = [];
    const refs: AutocannonResult[] = [];
    for (let i = 0; i < P.loadRepeats; i++) {
      idle.push((await rate(P.loadSeconds, false)).rate);
      const r = await rate(P.loadSeconds, true);
      busy.push(r.rate);
      if (r.res) runs.push(r.res);
      refs.push(await autocannon(lab, staticUrl, P.loadSeconds));
    }
    await lab.procs.stop(staticSrv);
    rmSync(bodyFile, { force: true });
    const p50 = median(runs.map((r) => r.p50));
    const p99 = median(runs.map((r) => r.p99));
    const rps = median(runs.map((r) => r.rps));
    const bad = runs.reduce((a, r) => a + r.non2xx + r.errors, 0);
    if (runs.every((r) => r.rps === 0)) throw new Error('autocannon completed no request');
    const refP99 = median(refs.map((r) => r.p99));
    table.set('4a', {
      what:
        `/metrics, 50 concurrent autocannon scrapers (Accept-Encoding: gzip), ${P.loadSeconds} s x${P.loadRepeats}, ` +
        `${fmtInt(pop.reached.listeners)} listeners (${(body.length / 1024).toFixed(0)} KiB body, ${(wire.body.length / 1024).toFixed(0)} KiB ` +
        `${typeof encoding === 'string' ? encoding : 'uncompressed'} on the wire); reference: bare Node server sending the same bytes, interleaved`,
      ours: `p50 ${p50} ms, p99 ${p99} ms, ${rps.toFixed(0)} req/s`,
      ref: `p50 ${median(refs.map((r) => r.p50))} ms, p99 ${refP99} ms, ${median(refs.map((r) => r.rps)).toFixed(0)} req/s`,
      ratio: `p99 ${fmtX(p99 / refP99)}`, target: 'p99 <= 25 ms',
      verdict: verdict(p99 <= 25 && bad === 0), ...(bad ? { note: `${bad} errors/non-2xx` } : {}),
    });
    const ratio = median(busy) / median(idle);
    table.set('4b', {
      what: 'listenq_samples_total rate under load vs idle (scrapes cause no kernel work)',
      ours: `${median(busy).toFixed(2)}/s`, ref: `idle ${median(idle).toFixed(2)}/s`, ratio: fmtX(ratio),
      target: 'not faster under load (<= 1.1x)', verdict: verdict(ratio <= 1.1),
    });
  });
}
