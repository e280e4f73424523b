/**
 * The status page as HTML: one self-contained document (inline CSS, no script, no external
 * asset: clusters are often offline), built with `html` so every kernel string is escaped.
 */
import { SOURCES, type Snapshot, TCPEXT_FIELDS } from '../sampler/snapshot.js';
import { kernelName, SYSCTLS } from '../sources/sysctls.js';
import {
  count,
  endpoint,
  listenerCount,
  NONE,
  namespaceText,
  nodeWide,
  optional,
  percent,
  seconds,
  utc,
} from './cell-text.js';
import { Html, html } from './html.js';
import { printable } from './terminal-text.js';
import { type ListenerRow, listenerRows, WARN_FILL } from './listener-rows.js';
import { AGE_GAP, type PageInfo, type PageTemplate, templateOf } from './page-template.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.2em 1.6em;color:#1b1b1b;background:#fff}
h1{font-size:1.35em;margin:0 0 .2em}
h2{font-size:1.1em;margin:1.4em 0 .4em}
h2 small{font-weight:normal;color:#555}
.meta{color:#444;margin:0}
.notice{background:#fff4d6;border:1px solid #e8c15a;padding:.4em .7em;display:inline-block}
table{border-collapse:collapse}
th,td{padding:.22em .6em;border-bottom:1px solid #e2e2e2;text-align:left;white-space:nowrap}
th{font-weight:600;border-bottom:2px solid #bbb;background:#f6f6f6}
th.wrap{white-space:normal;vertical-align:bottom}
.n{text-align:right;font-variant-numeric:tabular-nums}
.ns{font-size:.85em;color:#333}
tr.full td{background:#fde8e6}
tr.full td.addr{font-weight:600}
.bar{display:inline-block;position:relative;width:9em;height:.85em;background:#e6e6e6;border-radius:2px;vertical-align:-.08em;margin-right:.5em}
.bar .now{position:absolute;left:0;top:0;bottom:0;background:#3d9a5c;border-radius:2px}
tr.warn .bar .now{background:#d98e04}
tr.full .bar .now{background:#c62828}
.bar .peak{position:absolute;top:-3px;bottom:-3px;width:2px;background:#222}
.down{color:#c62828;font-weight:600}
.up{color:#2e7d32}
footer{margin-top:1.6em;color:#444}
footer a{margin-right:1.2em}
`;

/** Kernel field names may break between words (`Listen|Overflows`) so the table fits a window. */
function breakable(field: string): Html {
  return html`${field.split(/(?<=[a-z])(?=[A-Z])/).map((word, i) => html`${i > 0 ? html`<wbr>` : html``}${word}`)}`;
}

function rowClass(r: ListenerRow): string {
  if (r.full) return 'full';
  return r.fill !== undefined && r.fill >= WARN_FILL ? 'warn' : 'ok';
}

/** Width and marker as percentages of the bar, clamped: the queue can reach limit + 1. */
function bar(r: ListenerRow): Html {
  if (r.fill === undefined) return html`${NONE}`;
  const now = Math.round(Math.min(1, r.fill) * 100);
  const peak = Math.round(Math.min(1, r.peakFill ?? 0) * 100);
  return html`<span class="bar" title="length ${r.sample.queueLength}, peak ${r.sample.peak}, limit ${optional(r.sample.limit)}"><span class="now" style="width:${now}%"></span><span class="peak" style="left:calc(${peak}% - 1px)"></span></span>${percent(r.fill)}`;
}

function listenerRow(r: ListenerRow, withNamespace: boolean, withProcess: boolean): Html {
  const l = r.sample;
  const cells = [
    ...(withNamespace ? [html`<td class="ns">${printable(namespaceText(r.namespace))}</td>`] : []),
    html`<td class="addr">${printable(endpoint(l))}</td>`,
    html`<td class="dev">${printable(l.device ?? NONE)}</td>`,
    html`<td class="n">${l.slot}</td>`,
    ...(withProcess ? [html`<td class="proc">${printable(l.process ?? NONE)}</td>`] : []),
    html`<td class="n len">${l.queueLength}</td>`,
    html`<td class="n">${optional(l.limit)}</td>`,
    html`<td class="n">${l.peak}</td>`,
    html`<td class="fill">${bar(r)}</td>`,
    html`<td class="n">${seconds(l.fullSeconds)}</td>`,
    html`<td class="n">${optional(l.drops)}</td>`,
    html`<td class="n">${optional(l.synRecv)}</td>`,
  ];
  return html`<tr class="${rowClass(r)}">${cells}</tr>
`;
}

function listenerHeader(withNamespace: boolean, withProcess: boolean): Html[] {
  return [
    ...(withNamespace ? [html`<th>namespace</th>`] : []),
    html`<th>address:port</th>`,
    html`<th>device</th>`,
    html`<th class="n">slot</th>`,
    ...(withProcess ? [html`<th>process</th>`] : []),
    html`<th class="n">length</th>`,
    html`<th class="n">limit</th>`,
    html`<th class="n">peak</th>`,
    html`<th>fill</th>`,
    html`<th class="n">full seconds</th>`,
    html`<th class="n">drops</th>`,
    html`<th class="n">SYN_RECV</th>`,
  ];
}

function listenersSection(snap: Snapshot, withNamespace: boolean): Html {
  const rows = listenerRows(snap);
  const withProcess = rows.some((r) => r.sample.process !== undefined) || snap.listenersUnattributed !== undefined;
  const total = rows.length + snap.listenersDropped;
  const header = listenerHeader(withNamespace, withProcess);
  const dropped =
    snap.listenersDropped > 0
      ? html`<p class="notice" id="left-out">${count(snap.listenersDropped, 'listening socket')} not shown: there are more than --max-listeners, and the least loaded are left out (as in /metrics).</p>`
      : html``;
  const unattributed =
    snap.listenersUnattributed !== undefined && snap.listenersUnattributed > 0
      ? html`<p class="meta">${count(snap.listenersUnattributed, 'socket')} whose owning process could not be found.</p>`
      : html``;
  return html`<h2>Listeners <small>${rows.length} of ${total}, fullest first</small></h2>
${dropped}${unattributed}<table id="listeners">
<thead><tr>${header}</tr></thead>
<tbody>
${rows.length === 0 ? html`<tr><td colspan="${header.length}">No listening sockets.</td></tr>` : rows.map((r) => listenerRow(r, withNamespace, withProcess))}</tbody>
</table>
`;
}

function namespaceSections(snap: Snapshot, withNamespace: boolean): Html {
  const nsHead = withNamespace ? html`<th>namespace</th>` : html``;
  const nsCell = (labels: Readonly<Record<string, string>>) => (withNamespace ? html`<td class="ns">${printable(namespaceText(labels))}</td>` : html``);
  const counters = snap.namespaces.map(
    (ns) =>
      html`<tr>${nsCell(ns.labels)}<td class="n">${listenerCount(ns, 'ipv4')}</td><td class="n">${listenerCount(ns, 'ipv6')}</td>${TCPEXT_FIELDS.map((f) => html`<td class="n">${optional(ns.tcpExt?.[f])}</td>`)}</tr>
`,
  );
  const settings = snap.namespaces.map(
    (ns) => html`<tr>${nsCell(ns.labels)}${SYSCTLS.map((s) => html`<td class="n">${optional(ns.sysctls[s.name])}</td>`)}</tr>
`,
  );
  return html`<h2>Namespace counters <small>TcpExt, since the namespace was created</small></h2>
<table id="counters">
<thead><tr>${nsHead}<th class="n">IPv4 listeners</th><th class="n">IPv6 listeners</th>${TCPEXT_FIELDS.map((f) => html`<th class="n wrap">${breakable(f)}</th>`)}</tr></thead>
<tbody>
${counters}</tbody>
</table>
<h2>Namespace settings</h2>
<table id="settings">
<thead><tr>${nsHead}${SYSCTLS.map((s) => html`<th class="n">${kernelName(s)}</th>`)}</tr></thead>
<tbody>
${settings}</tbody>
</table>
`;
}

function sourcesSection(snap: Snapshot): Html {
  const rows = SOURCES.flatMap((name) => {
    const s = snap.sources[name];
    if (!s) return [];
    return [
      html`<tr><td>${name}</td><td class="${s.up ? 'up' : 'down'}">${s.up ? 'up' : 'down'}</td><td class="n">${(s.durationSeconds * 1000).toFixed(1)} ms</td><td class="n">${s.errorsTotal}</td><td class="n">${s.rejectedLinesTotal}</td></tr>
`,
    ];
  });
  const sample = html`<p id="sample">Sample ${snap.samplesTotal} taken ${utc(snap.timestampSeconds)}, ${new Html(AGE_GAP)} ago.</p>
`;
  return html`<h2>Sources</h2>
<table id="sources">
<thead><tr><th>source</th><th>last run</th><th class="n">took</th><th class="n">errors</th><th class="n">rejected lines</th></tr></thead>
<tbody>
${rows}</tbody>
</table>
${sample}`;
}

function page(info: PageInfo, meta: Html, body: Html): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>listenq-exporter status</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<h1>listenq-exporter</h1>
<p class="meta">${meta}</p>
${body}<footer><a href="${info.telemetryPath}">${info.telemetryPath}</a><a href="/healthz">/healthz</a><a href="/readyz">/readyz</a><a href="/?format=text">plain text</a></footer>
</body>
</html>
`.text;
}

export function renderStatusHtml(snap: Snapshot | undefined, info: PageInfo): PageTemplate {
  if (snap === undefined) {
    return templateOf(page(info, html`version ${info.version} · no sample yet: the first one is being taken`, html``));
  }
  const withNamespace = nodeWide(snap.namespaces);
  const mode = withNamespace ? html` · ${count(snap.namespaces.length, 'network namespace')}` : html``;
  const meta = html`version ${info.version} · sample taken ${utc(snap.timestampSeconds)}, <strong id="age">${new Html(AGE_GAP)}</strong> ago · ${count(snap.samplesTotal, 'sample')}${mode}`;
  return templateOf(page(info, meta, html`${listenersSection(snap, withNamespace)}${namespaceSections(snap, withNamespace)}${sourcesSection(snap)}`));
}
