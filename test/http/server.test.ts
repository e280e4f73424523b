import { afterAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/metrics/catalog.js';
import { parseExposition } from '../../lab/exposition.js';
import { wire } from '../support/in-process.js';

describe('HTTP endpoints', () => {
  const { sampler, app } = wire(['--web.telemetry-path=/custom-metrics']);
  afterAll(() => app.close());

  it('is not ready before the first sample, and ready after it', async () => {
    const before = await app.inject({ method: 'GET', url: '/readyz' });
    expect(before.statusCode).toBe(503);
    await sampler.sampleOnce();
    const after = await app.inject({ method: 'GET', url: '/readyz' });
    expect(after.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('serves the Prometheus text format by default', async () => {
    const r = await app.inject({ method: 'GET', url: '/custom-metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parseExposition(r.body);
    expect(samples.find((s) => s.name === 'listenq_samples_total')!.value).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
    // Every metric in the catalog has its HELP line, even those with no series right now.
    for (const spec of Object.values(METRICS)) expect(r.body).toContain(`# HELP ${spec.name} `);
  });

  it('serves OpenMetrics when the Accept header asks for it', async () => {
    const r = await app.inject({
      method: 'GET',
      url: '/custom-metrics',
      headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    });
    expect(r.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(r.body.endsWith('# EOF\n')).toBe(true);
    expect(r.body).toContain('# TYPE listenq_samples counter');
    expect(r.body).toMatch(/^listenq_samples_total \d+$/m);
    // Rendering OpenMetrics must not rename counters for later Prometheus-format scrapes.
    await sampler.sampleOnce();
    const text = await app.inject({ method: 'GET', url: '/custom-metrics' });
    expect(text.body).toContain('# TYPE listenq_samples_total counter');
  });

  it('answers HEAD like GET without a body', async () => {
    const r = await app.inject({ method: 'HEAD', url: '/custom-metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('');
  });

  it('has a status page linking to the metrics path that reflects no input', async () => {
    const r = await app.inject({ method: 'GET', url: '/?q=<script>alert(1)</script>', headers: { accept: 'text/html' } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.body).toContain('href="/custom-metrics"');
    expect(r.body).not.toContain('<script>');
  });

  it('answers 404 to anything else, without echoing it', async () => {
    for (const [method, url] of [
      ['GET', '/metrics'],
      ['GET', '/<b>x</b>'],
      ['POST', '/custom-metrics'],
      ['DELETE', '/'],
    ] as const) {
      const r = await app.inject({ method, url });
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(r.body).toBe('not found\n');
    }
  });

  it('serves one rendered body to concurrent scrapes of one snapshot', async () => {
    const before = (await app.inject({ method: 'GET', url: '/custom-metrics' })).body;
    const bodies = await Promise.all(Array.from({ length: 20 }, () => app.inject({ method: 'GET', url: '/custom-metrics' })));
    for (const b of bodies) expect(b.body).toBe(before);
  });
});

describe('HTTP limits on a real socket', () => {
  const { app } = wire();
  afterAll(() => app.close());

  it('refuses oversized request headers with 431', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const r = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(r.status).toBe(431);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(ok.status).toBe(200);
  });
});

describe('compression', () => {
  const { sampler, app } = wire();
  afterAll(() => app.close());

  it('gzips /metrics for scrapers that accept it (as Prometheus does), and only for them', async () => {
    const { gunzipSync } = await import('node:zlib');
    await sampler.sampleOnce();
    const plain = await app.inject({ method: 'GET', url: '/metrics' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const gz = await app.inject({ method: 'GET', url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(gunzipSync(gz.rawPayload).toString('utf8')).toBe(plain.body);
    expect(gz.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    const refused = await app.inject({ method: 'GET', url: '/metrics', headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });
});
