/**
 * The status page at `/` from snapshots built by hand: order, escaping, the cap, node-wide
 * labels, one render per snapshot, and which form a request gets. The page against a real
 * kernel and a real browser is test/http/status-browser.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { THRESHOLDS } from '../../scripts/alerting/alerts.js';
import { Exposition } from '../../src/metrics/exposition.js';
import type { ListenerSample } from '../../src/listener/fields.js';
import type { NamespaceSnapshot, Snapshot } from '../../src/sampler/snapshot.js';
import { buildServer } from '../../src/server/http-server.js';
import { loadWebConfig } from '../../src/server/web-config/load.js';
import { WebGuard } from '../../src/server/web-config/web-guard.js';
import { listenerRows, WARN_FILL } from '../../src/status/listener-rows.js';
import { pageFormat } from '../../src/status/page-format.js';
import { renderStatusHtml } from '../../src/status/render-html.js';
import { renderStatusText } from '../../src/status/render-text.js';
import { StatusPage } from '../../src/status/status-page.js';
import { silentLog } from '../support/in-process.js';
import { basicHeader, HASHES, writeWebConfig } from '../support/web-config.js';

const INFO = { version: '9.9.9', telemetryPath: '/metrics' };
const NOW = 1_800_000_000;

function listener(port: number, o: Partial<ListenerSample> = {}): ListenerSample {
  return { family: 'ipv4', address: '127.0.0.1', port, slot: 0, inode: port, queueLength: 0, limit: 128, peak: 0, fullSeconds: 0, ...o };
}

function namespace(listeners: ListenerSample[], labels: Record<string, string> = {}): NamespaceSnapshot {
  return {
    labels,
    listeners,
    listenerCounts: { ipv4: listeners.length, ipv6: 0 },
    familiesKnown: { ipv4: true, ipv6: true },
    tcpExt: { ListenOverflows: 28, ListenDrops: 31 },
    sysctls: { somaxconn: 4096, maxSynBacklog: 512, syncookies: 1, abortOnOverflow: 0 },
  };
}

function snapshot(namespaces: NamespaceSnapshot[], o: Partial<Snapshot> = {}): Snapshot {
  return {
    timestampSeconds: NOW,
    namespaces,
    listenersDropped: 0,
    sources: { ss: { up: true, durationSeconds: 0.0025, errorsTotal: 0, rejectedLinesTotal: 0 }, netstat: { up: false, durationSeconds: 0, errorsTotal: 3, rejectedLinesTotal: 1 } },
    samplesTotal: 7,
    ...o,
  };
}

/** The listener rows of a rendered HTML page, as the text of their address cells. */
function htmlOrder(body: string): string[] {
  return [...body.matchAll(/<td class="addr">([^<]*)<\/td>/g)].map((m) => m[1]!);
}

describe('listener order', () => {
  it('puts the fullest first: fill, then length, a limit of 0 full at one connection, unknown limits as 0', () => {
    const snap = snapshot([
      namespace([
        listener(1, { queueLength: 3, limit: 100 }),
        listener(2, { queueLength: 5, limit: 4, peak: 5 }),
        listener(3, { queueLength: 50, limit: 100 }),
        listener(4, { queueLength: 1, limit: 0 }),
        listener(5, { queueLength: 9, limit: undefined }),
        listener(6, { queueLength: 6, limit: 200 }),
        listener(7, { queueLength: 0, limit: 0 }),
      ]),
    ]);
    expect(listenerRows(snap).map((r) => r.sample.port)).toEqual([4, 2, 3, 6, 1, 5, 7]);
    const body = renderStatusHtml(snap, INFO).fill('1 s');
    expect(htmlOrder(body)).toEqual([4, 2, 3, 6, 1, 5, 7].map((p) => `127.0.0.1:${p}`));
    const text = renderStatusText(snap, INFO).fill('1 s');
    const ports = [...text.matchAll(/^127\.0\.0\.1:(\d+)/gm)].map((m) => Number(m[1]));
    expect(ports).toEqual([4, 2, 3, 6, 1, 5, 7]);
  });

  it('orders across namespaces, and ties by length then peak', () => {
    const snap = snapshot([
      namespace([listener(10, { queueLength: 2, limit: 4 })], { netns: '1' }),
      namespace([listener(11, { queueLength: 4, limit: 8, peak: 4 }), listener(12, { queueLength: 4, limit: 8, peak: 8 })], { netns: '2' }),
    ]);
    expect(listenerRows(snap).map((r) => r.sample.port)).toEqual([12, 11, 10]);
  });

  it('colours rows from the saturation alert threshold', () => {
    expect(WARN_FILL).toBe(THRESHOLDS.saturatedFill);
  });
});

describe('status page content', () => {
  const full = listener(8007, {
    address: '0.0.0.0',
    device: '<i>x',
    queueLength: 5,
    limit: 4,
    peak: 5,
    fullSeconds: 12.34,
    drops: 28,
    synRecv: 2,
    process: 'py"<script>alert(1)</script>',
  });
  const v6 = listener(9000, { family: 'ipv6', address: '::1', slot: 1, queueLength: 1, limit: 8, peak: 2 });

  it('escapes every kernel string in HTML and has no script', () => {
    const body = renderStatusHtml(snapshot([namespace([full, v6], { netns: '4026532001', pod_uid: 'x"><b>y' })]), INFO).fill('1 s');
    expect(body).toContain('<td class="dev">&lt;i&gt;x</td>');
    expect(body).toContain('py&quot;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).toContain('pod_uid=x&quot;&gt;&lt;b&gt;y');
    expect(body).not.toMatch(/<(i|b|script)[\s>]/);
    expect(body).not.toMatch(/\b(src|href)="https?:/);
  });

  it('shows control characters from the kernel as \\xNN, in text and in HTML', () => {
    const snap = snapshot([namespace([listener(1, { device: '\u001b[31mred', process: 'a\u009bb' })])]);
    const text = renderStatusText(snap, INFO).fill('1 s');
    expect(text).toContain('\\x1b[31mred');
    expect(text).toContain('a\\x9bb');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(renderStatusHtml(snap, INFO).fill('1 s')).toContain('<td class="dev">\\x1b[31mred</td>');
  });

  it('has every column: address:port, device, slot, process, length, limit, peak, fill, full seconds, drops', () => {
    const body = renderStatusHtml(snapshot([namespace([full, v6])], { listenersUnattributed: 0 }), INFO).fill('1 s');
    const first = /<tbody>\n(<tr[^\n]*)/.exec(body)![1]!;
    expect(first).toBe(
      '<tr class="full"><td class="addr">0.0.0.0:8007</td><td class="dev">&lt;i&gt;x</td><td class="n">0</td>' +
        '<td class="proc">py&quot;&lt;script&gt;alert(1)&lt;/script&gt;</td><td class="n len">5</td><td class="n">4</td><td class="n">5</td>' +
        '<td class="fill"><span class="bar" title="length 5, peak 5, limit 4"><span class="now" style="width:100%"></span>' +
        '<span class="peak" style="left:calc(100% - 1px)"></span></span>125%</td><td class="n">12.3</td><td class="n">28</td><td class="n">2</td></tr>',
    );
    // No drops known (before sock_diag), no SYN_RECV count, no process: '-'.
    expect(body).toContain('<td class="addr">[::1]:9000</td><td class="dev">-</td><td class="n">1</td><td class="proc">-</td>');
    expect(body).toMatch(/<td class="n">0\.0<\/td><td class="n">-<\/td><td class="n">-<\/td><\/tr>/);
  });

  it('shows the process column only with --collector.process-names, the namespace column only node-wide', () => {
    const plain = renderStatusHtml(snapshot([namespace([listener(1)])]), INFO).fill('1 s');
    expect(plain).not.toContain('<th>process</th>');
    expect(plain).not.toContain('<th>namespace</th>');
    const wide = renderStatusHtml(
      snapshot([namespace([listener(1)], { netns: '4026532001', pod_uid: 'u-1', container_id: 'c'.repeat(64) })]),
      INFO,
    ).fill('1 s');
    expect(wide).toContain('<th>namespace</th>');
    // The container ID shortened to its first 12 digits, as docker and crictl show it.
    expect(wide).toContain('<td class="ns">netns=4026532001 pod_uid=u-1 container_id=cccccccccccc</td>');
    const text = renderStatusText(snapshot([namespace([listener(1)], { netns: '4026532001' })]), INFO).fill('1 s');
    expect(text).toMatch(/^NAMESPACE +ADDRESS:PORT/m);
    expect(text).toMatch(/^netns=4026532001 +127\.0\.0\.1:1 /m);
  });

  it('says how many listeners the cap left out', () => {
    const snap = snapshot([namespace([listener(1), listener(2)])], { listenersDropped: 1998 });
    const body = renderStatusHtml(snap, INFO).fill('1 s');
    expect(body).toContain('Listeners <small>2 of 2000, fullest first</small>');
    expect(body).toContain('<p class="notice" id="left-out">1998 listening sockets not shown: there are more than --max-listeners');
    const text = renderStatusText(snap, INFO).fill('1 s');
    expect(text).toContain('LISTENERS: 2 of 2000, fullest first\n1998 listening sockets not shown: there are more than --max-listeners');
    expect(renderStatusHtml(snapshot([namespace([listener(1)])]), INFO).fill('1 s')).not.toContain('left-out');
  });

  it('lists namespace counters, sysctls, source health, the age and the links', () => {
    const snap = snapshot([namespace([listener(1)])]);
    const body = renderStatusHtml(snap, INFO).fill('4.2 s');
    expect(body).toContain('<strong id="age">4.2 s</strong> ago · 7 samples');
    expect(body).toContain('sample taken 2027-01-15T08:00:00Z');
    // Field names may wrap between words so the table fits a window.
    expect(body).toContain('<th class="n wrap">Listen<wbr>Overflows</th><th class="n wrap">Listen<wbr>Drops</th><th class="n wrap">TCPReq<wbr>QFull<wbr>Drop</th>');
    expect(body).toContain('<tr><td class="n">1</td><td class="n">0</td><td class="n">28</td><td class="n">31</td><td class="n">-</td>');
    expect(body).toContain('<th class="n">net.core.somaxconn</th>');
    expect(body).toContain('<tr><td class="n">4096</td><td class="n">512</td><td class="n">1</td><td class="n">0</td></tr>');
    expect(body).toContain('<tr><td>ss</td><td class="up">up</td><td class="n">2.5 ms</td><td class="n">0</td><td class="n">0</td></tr>');
    expect(body).toContain('<tr><td>netstat</td><td class="down">down</td><td class="n">0.0 ms</td><td class="n">3</td><td class="n">1</td></tr>');
    for (const href of ['/metrics', '/healthz', '/readyz']) expect(body).toContain(`<a href="${href}">`);
    const text = renderStatusText(snap, INFO).fill('4.2 s');
    expect(text).toContain('listenq-exporter 9.9.9: sample taken 2027-01-15T08:00:00Z, 4.2 s ago, 7 samples\n');
    expect(text).toMatch(/^IPV4_LISTENERS +IPV6_LISTENERS +ListenOverflows +ListenDrops/m);
    expect(text).toMatch(/^ss +up +2\.5 +0 +0$/m);
    expect(text).toMatch(/^netstat +DOWN +0\.0 +3 +1$/m);
    expect(text).toContain('/metrics  /healthz  /readyz');
    expect(text).toContain('\nSample 7 taken 2027-01-15T08:00:00Z, 4.2 s ago.\n');
    expect(body).toContain('<p id="sample">Sample 7 taken 2027-01-15T08:00:00Z, 4.2 s ago.</p>');
  });

  it('shows a family\'s listener count as unknown when no source listed it', () => {
    const ns = { ...namespace([listener(1)]), familiesKnown: { ipv4: true, ipv6: false } };
    const body = renderStatusHtml(snapshot([ns]), INFO).fill('1 s');
    expect(body).toContain('<tr><td class="n">1</td><td class="n">-</td><td class="n">28</td>');
    expect(renderStatusText(snapshot([ns]), INFO).fill('1 s')).toMatch(/^ +1 +- +28 +31 /m);
  });

  it('escapes the telemetry path it links to', () => {
    const body = renderStatusHtml(snapshot([]), { version: '1', telemetryPath: '/m"><x' }).fill('1 s');
    expect(body).toContain('<a href="/m&quot;&gt;&lt;x">');
  });

  it('says so when there are no listeners', () => {
    const snap = snapshot([namespace([])]);
    expect(renderStatusHtml(snap, INFO).fill('1 s')).toContain('<tbody>\n<tr><td colspan="10">No listening sockets.</td></tr></tbody>');
    expect(renderStatusText(snap, INFO).fill('1 s')).toContain('LISTENERS: 0 of 0, fullest first\nNo listening sockets.\n');
  });

  it('says so before the first sample', () => {
    expect(renderStatusHtml(undefined, INFO).fill('')).toContain('no sample yet');
    expect(renderStatusText(undefined, INFO).fill('')).toContain('no sample yet');
  });
});

describe('StatusPage', () => {
  it('renders once per snapshot and form, and writes the age per request', () => {
    let snap = snapshot([namespace([listener(1, { queueLength: 2 })])]);
    let now = NOW + 0.5;
    const page = new StatusPage(() => snap, INFO, () => now);
    const a = page.render('html').body;
    now = NOW + 95;
    const b = page.render('html').body;
    expect(page.renders).toBe(1);
    expect(a).toContain('<strong id="age">0.5 s</strong>');
    expect(b).toContain('<strong id="age">1 min 35 s</strong>');
    expect(b.replaceAll('1 min 35 s', '0.5 s')).toBe(a);
    expect(b).toContain('<p id="sample">Sample 7 taken 2027-01-15T08:00:00Z, 1 min 35 s ago.</p>');
    page.render('text');
    page.render('text');
    expect(page.renders).toBe(2);
    snap = snapshot([namespace([listener(1, { queueLength: 3 })])]);
    expect(page.render('html').body).toContain('<td class="n len">3</td>');
    expect(page.renders).toBe(3);
  });
});

describe('which form a request gets', () => {
  it.each([
    [undefined, undefined, 'text'],
    ['*/*', undefined, 'text'],
    ['text/plain', undefined, 'text'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8', undefined, 'html'],
    ['application/xhtml+xml', undefined, 'html'],
    ['text/plain, text/html;q=0.5', undefined, 'text'],
    ['text/html;q=0', undefined, 'text'],
    ['text/html', 'text', 'text'],
    ['*/*', 'html', 'html'],
    ['*/*', 'json', undefined],
  ] as const)('Accept %j, ?format=%j: %s', (accept, format, expected) => {
    expect(pageFormat(format === undefined ? {} : { format }, accept)).toBe(expected);
  });

  it('refuses a repeated format', () => {
    expect(pageFormat({ format: ['text', 'html'] }, undefined)).toBeUndefined();
  });
});

describe('the route', () => {
  const snap = snapshot([namespace([listener(4321, { queueLength: 5, limit: 4 })])]);
  const dir = mkdtempSync(join(tmpdir(), 'listenq-status-'));
  const file = join(dir, 'web.yml');
  writeWebConfig(file, { basic_auth_users: { prometheus: HASHES.y.hash } });
  const server = (web?: WebGuard) =>
    buildServer({
      telemetryPath: '/metrics',
      version: '0.0.0-test',
      exposition: new Exposition(() => snap, { version: '0.0.0-test', host: () => undefined }),
      latest: () => snap,
      ready: () => true,
      log: silentLog,
      web,
    });
  const open = server();
  const guarded = server(new WebGuard(loadWebConfig(file), silentLog));
  afterAll(async () => {
    await Promise.all([open.close(), guarded.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives curl text, a browser HTML, and says it varies by Accept', async () => {
    const curl = await open.inject({ url: '/', headers: { accept: '*/*' } });
    expect(curl.statusCode).toBe(200);
    expect(curl.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(curl.body).toMatch(/^127\.0\.0\.1:4321 /m);
    expect(curl.headers.vary).toBe('Accept');
    expect(curl.headers['cache-control']).toBe('no-store');
    const browser = await open.inject({ url: '/', headers: { accept: 'text/html,*/*;q=0.8' } });
    expect(browser.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(browser.body).toContain('<td class="addr">127.0.0.1:4321</td>');
    const forced = await open.inject({ url: '/?format=html', headers: { accept: '*/*' } });
    expect(forced.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('answers an unknown format with 400 without echoing it', async () => {
    const r = await open.inject({ url: '/?format=<b>x</b>' });
    expect(r.statusCode).toBe(400);
    expect(r.body).toBe('format must be html or text\n');
  });

  it('sits behind basic auth like /metrics, in both forms', async () => {
    for (const url of ['/', '/?format=text', '/?format=html']) {
      const r = await guarded.inject({ url });
      expect(r.statusCode, url).toBe(401);
      expect(r.body).toBe('unauthorized\n');
    }
    const authorization = basicHeader('prometheus', HASHES.y.password);
    const ok = await guarded.inject({ url: '/', headers: { authorization, accept: 'text/html' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('<td class="addr">127.0.0.1:4321</td>');
    const wrong = await guarded.inject({ url: '/', headers: { authorization: basicHeader('prometheus', 'nope') } });
    expect(wrong.statusCode).toBe(401);
  });
});
