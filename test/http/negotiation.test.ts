/**
 * Content negotiation: the pure choice over a table of headers (what Prometheus versions
 * send, q-values, refusals, malformed input), then the same over real HTTP.
 */
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip, negotiateFormat } from '../../src/server/negotiation.js';
import { wire } from '../support/in-process.js';

const OM = 'openmetrics';
const TEXT = 'prometheus';

describe('negotiateFormat', () => {
  it.each([
    // No preference: the text format.
    [undefined, TEXT],
    ['', TEXT],
    ['*/*', TEXT],
    ['text/*', TEXT],
    ['application/*', TEXT],
    ['text/plain', TEXT],
    ['text/plain;version=0.0.4', TEXT],
    // What Prometheus 2.x sends.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', OM],
    // Prometheus 3 (escaping parameters are ignored here: every name is a legacy name).
    ['application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1', OM],
    // Prometheus with scrape_protocols: [PrometheusText0.0.4] only.
    ['text/plain;version=0.0.4;q=0.5,*/*;q=0.1', TEXT],
    ['application/openmetrics-text', OM],
    ['application/openmetrics-text; version=0.0.1', OM],
    ['Application/OpenMetrics-Text; Version=1.0.0', OM],
    ['application/openmetrics-text;version="1.0.0"', OM],
    // q=0 means "not acceptable" (RFC 9110), not "least preferred".
    ['application/openmetrics-text;q=0, text/plain', TEXT],
    ['application/openmetrics-text;q=0', TEXT],
    ['application/openmetrics-text;q=0.000,*/*', TEXT],
    ['application/openmetrics-text;version=1.0.0;q=0,application/openmetrics-text;version=1.0.0;q=1', TEXT],
    // Higher q wins wherever it stands in the header.
    ['text/plain;q=0.2, application/openmetrics-text;q=0.9', OM],
    ['application/openmetrics-text;q=0.2, text/plain;q=0.9', TEXT],
    ['text/plain;q=0.5, application/openmetrics-text', OM],
    // Equal q: the client's order.
    ['text/plain, application/openmetrics-text', TEXT],
    ['application/openmetrics-text, text/plain', OM],
    // A refused text format leaves OpenMetrics.
    ['text/plain;q=0, application/openmetrics-text;q=0.1', OM],
    // Versions not served here do not match their clause.
    ['application/openmetrics-text;version=2.0.0, text/plain;q=0.1', TEXT],
    ['application/openmetrics-text;version=2.0.0', TEXT],
    ['text/plain;version=1.0.0, application/openmetrics-text;q=0.5', OM],
    // Malformed q-values drop their clause; junk is ignored.
    ['application/openmetrics-text;q=2', TEXT],
    ['application/openmetrics-text;q=abc, text/plain;q=0.1', TEXT],
    ['application/openmetrics-text;q=-1', TEXT],
    [',,;;=,application/openmetrics-text;;', OM],
    ['garbage', TEXT],
  ] as const)('%j -> %s', (accept, want) => {
    expect(negotiateFormat(accept)).toBe(want);
  });
});

describe('acceptsGzip', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['gzip, deflate', true],
    ['deflate, gzip;q=0.5', true],
    ['x-gzip', true],
    ['identity', false],
    ['gzip;q=0', false],
    ['gzip;q=0, identity', false],
    // The specific clause decides over the wildcard, wherever either stands.
    ['*, gzip;q=0', false],
    ['gzip;q=0, *', false],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=bogus', false],
  ] as const)('%j -> %s', (header, want) => {
    expect(acceptsGzip(header)).toBe(want);
  });
});

describe('negotiation over HTTP', () => {
  const { sampler, app } = wire();
  let port = 0;
  beforeAll(async () => {
    await sampler.sampleOnce();
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  function scrape(headers: Record<string, string>): Promise<{ contentType: string; encoding: string | undefined; body: string }> {
    return new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/metrics', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          resolve({
            contentType: String(res.headers['content-type']),
            encoding,
            body: (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'),
          });
        });
        res.on('error', reject);
      }).on('error', reject);
    });
  }

  it('serves the text format to a client that refuses OpenMetrics with q=0', async () => {
    const r = await scrape({ accept: 'application/openmetrics-text;q=0, text/plain' });
    expect(r.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.body).not.toContain('# EOF');
    expect(r.body).toContain('# TYPE listenq_samples_total counter');
  });

  it('serves OpenMetrics to what Prometheus sends, gzipped as it asks', async () => {
    const r = await scrape({
      accept: 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'accept-encoding': 'gzip',
    });
    expect(r.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(r.encoding).toBe('gzip');
    expect(r.body.endsWith('# EOF\n')).toBe(true);
  });

  it('sends no gzip to a client whose wildcard is overridden by gzip;q=0', async () => {
    const r = await scrape({ accept: 'text/plain;q=0.1, application/openmetrics-text;q=0.9', 'accept-encoding': '*, gzip;q=0' });
    expect(r.encoding).toBeUndefined();
    expect(r.contentType).toContain('application/openmetrics-text');
  });
});
