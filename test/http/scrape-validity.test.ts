/**
 * The shared scrape assertion (test/support/scrape-validity.ts) itself: it accepts what the
 * exporter serves in both formats, and rejects literal bad bodies, among them the
 * duplicate series of issue 13 both next to its twin and apart from it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { wire } from '../support/in-process.js';
import { assertValidScrape, OPENMETRICS_ACCEPT, seriesKey } from '../support/scrape-validity.js';

const HEAD = '# HELP listenq_accept_queue_length Connections waiting.\n# TYPE listenq_accept_queue_length gauge\n';
const A = 'listenq_accept_queue_length{family="ipv4",address="127.0.0.1",port="80",slot="0",device="lo"} 0';
const B = 'listenq_accept_queue_length{family="ipv4",address="127.0.0.1",port="81",slot="0"} 3';
/** A's label set in another order: the same series. */
const A_REORDERED = 'listenq_accept_queue_length{slot="0",device="lo",port="80",address="127.0.0.1",family="ipv4"} 7';

describe('assertValidScrape', () => {
  const { sampler, app } = wire();
  afterAll(() => app.close());

  it('accepts what the exporter serves, in both formats', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    await sampler.sampleOnce();
    const text = await app.inject({ method: 'GET', url: '/metrics' });
    const om = await app.inject({ method: 'GET', url: '/metrics', headers: { accept: OPENMETRICS_ACCEPT } });
    expect(text.body).toMatch(/^listenq_accept_queue_length\{/m);
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    await assertValidScrape(text.body, 'prometheus');
    await assertValidScrape(om.body, 'openmetrics');
  });

  it('accepts good literal bodies', async () => {
    await assertValidScrape(`${HEAD}${A}\n${B}\n`, 'prometheus');
    await assertValidScrape(`${HEAD}${A}\n${B}\n# EOF\n`, 'openmetrics');
  });

  it.each(['prometheus', 'openmetrics'] as const)('rejects a duplicate series next to its twin (%s)', async (format) => {
    const eof = format === 'openmetrics' ? '# EOF\n' : '';
    await expect(assertValidScrape(`${HEAD}${A}\n${A_REORDERED}\n${B}\n${eof}`, format)).rejects.toThrow(/duplicate series listenq_accept_queue_length\{address="127\.0\.0\.1",device="lo",family="ipv4",port="80",slot="0"\} on lines 3 and 4/);
  });

  it.each(['prometheus', 'openmetrics'] as const)('rejects a duplicate series apart from its twin (%s)', async (format) => {
    const eof = format === 'openmetrics' ? '# EOF\n' : '';
    await expect(assertValidScrape(`${HEAD}${A}\n${B}\n${A}\n${eof}`, format)).rejects.toThrow(/duplicate series .* on lines 3 and 5/);
  });

  it('has the client library reject what it rejects: interleaved groups, a missing # EOF, junk', async () => {
    // Two families interleaved: no duplicate label set, but not a valid OpenMetrics body.
    const interleaved = `${HEAD}${A}\n# HELP x X.\n# TYPE x gauge\nx 1\n${B}\n# EOF\n`;
    await expect(assertValidScrape(interleaved, 'openmetrics')).rejects.toThrow(/prometheus_client's openmetrics parser/);
    await expect(assertValidScrape(`${HEAD}${A}\n`, 'openmetrics')).rejects.toThrow(/EOF/);
    await expect(assertValidScrape(`${HEAD}${A}\n# EOF\n\n`, 'openmetrics')).rejects.toThrow(/openmetrics parser/);
    await expect(assertValidScrape(`${HEAD}${A} 1 2 3\n`, 'prometheus')).rejects.toThrow(/more than value and timestamp/);
    // An unterminated label value the client library reads as a bad metric name.
    await expect(assertValidScrape(`${HEAD}${A.replace('lo"', 'lo')}\n`, 'prometheus')).rejects.toThrow(/unterminated label value/);
    await expect(assertValidScrape(`${HEAD}9bad 1\n`, 'prometheus')).rejects.toThrow(/not a sample line/);
    // Left to the client library's text parser: the value is not a number.
    await expect(assertValidScrape(`${HEAD}${B.replace(/ 3$/, ' three')}\n`, 'prometheus')).rejects.toThrow(/prometheus parser: ValueError: could not convert/);
    await expect(assertValidScrape(`${HEAD}listenq_accept_queue_length{a="1",a="2"} 1\n`, 'prometheus')).rejects.toThrow(/a label twice/);
  });

  it('keys label values by their unescaped text', () => {
    expect(seriesKey('m{d="a\\"b\\\\c\\n"} 1')).toBe('m{d="a\\"b\\\\c\\n"}');
    expect(seriesKey('m{b="1",a="2",} 1')).toBe('m{a="2",b="1"}');
    expect(seriesKey('m 1')).toBe('m{}');
    expect(seriesKey('m{a="1"} 1 1700000000000')).toBe('m{a="1"}');
    expect(() => seriesKey('m{a="1"}')).toThrow(/no value/);
  });
});
