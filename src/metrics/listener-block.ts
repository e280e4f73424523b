/**
 * The per-socket families, rendered as exposition text without prom-client. They are most
 * of a body (about 450 KiB at 1,000 sockets), and prom-client formats every label of every
 * series on every render: 10-15 ms that block the event loop once per snapshot, in front
 * of every scrape waiting at that moment. Here each socket's lines are made once per
 * socket object (the sampler keeps an unchanged socket's object across snapshots), and the
 * whole block once per distinct list of sockets. The text is what prom-client would print
 * for the same points; a unit test holds the two side by side.
 */
import { LABEL_FIELDS, type ListenerSample } from '../listener/fields.js';
import type { NamespaceSnapshot } from '../sampler/snapshot.js';
import { type ExpositionFormat, LISTENER_FAMILIES, listenerValue, METRICS, type MetricKey } from './catalog.js';

/** HELP text escaping: backslash and newline. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label values escape the double quote too. */
function escapeLabelValue(v: string): string {
  return escapeHelp(v).replace(/"/g, '\\"');
}

/** The socket's own labels in declared order (listener/fields.ts), then the namespace's. */
function labelText(l: ListenerSample, ns: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const k of LABEL_FIELDS) {
    const v = l[k];
    if (v !== undefined) parts.push(`${k}="${escapeLabelValue(String(v))}"`);
  }
  for (const [k, v] of Object.entries(ns)) parts.push(`${k}="${escapeLabelValue(v)}"`);
  return `{${parts.join(',')}}`;
}

function header(key: MetricKey, format: ExpositionFormat): string {
  const spec = METRICS[key];
  // OpenMetrics names a counter family without its _total suffix, as prom-client does.
  const name = format === 'openmetrics' && spec.type === 'counter' ? spec.name.replace(/_total$/, '') : spec.name;
  return `# HELP ${name} ${escapeHelp(spec.help)}\n# TYPE ${name} ${spec.type}`;
}

export class ListenerBlock {
  /** Per socket object: its line in each family ('' where it has no value), and the namespace labels they carry. */
  private readonly lines = new WeakMap<ListenerSample, { readonly ns: object; readonly lines: readonly string[] }>();
  private last:
    | { sockets: readonly ListenerSample[]; nsOf: ReadonlyArray<Readonly<Record<string, string>>>; families: readonly string[] }
    | undefined;

  /** Each family's sample lines, newline-separated, for the sockets of these namespaces. */
  families(namespaces: readonly NamespaceSnapshot[]): readonly string[] {
    const sockets: ListenerSample[] = [];
    const nsOf: Array<Readonly<Record<string, string>>> = [];
    for (const ns of namespaces) {
      for (const l of ns.listeners) {
        sockets.push(l);
        nsOf.push(ns.labels);
      }
    }
    if (this.last && same(this.last.sockets, sockets) && same(this.last.nsOf, nsOf)) return this.last.families;
    const out = LISTENER_FAMILIES.map((): string[] => []);
    for (const { labels: ns, listeners } of namespaces) {
      for (const l of listeners) {
        const lines = this.socketLines(l, ns);
        out.forEach((family, f) => {
          const line = lines[f];
          if (line) family.push(line);
        });
      }
    }
    const families = out.map((lines) => lines.join('\n'));
    this.last = { sockets, nsOf, families };
    return families;
  }

  /** One socket's line in each family ('' where it has no value), made once per socket object and namespace labels. */
  private socketLines(l: ListenerSample, ns: Readonly<Record<string, string>>): readonly string[] {
    const known = this.lines.get(l);
    if (known?.ns === ns) return known.lines;
    const labels = labelText(l, ns);
    const lines = LISTENER_FAMILIES.map((f) => {
      const v = listenerValue(f, l);
      return v === undefined ? '' : `${METRICS[f].name}${labels} ${v}`;
    });
    this.lines.set(l, { ns, lines });
    return lines;
  }

  /** The families as one text block in the given format, headers included. */
  render(namespaces: readonly NamespaceSnapshot[], format: ExpositionFormat): string {
    const families = this.families(namespaces);
    const blocks = LISTENER_FAMILIES.map((key, i) => (families[i] ? `${header(key, format)}\n${families[i]}` : header(key, format)));
    // The text format separates families with a blank line; OpenMetrics does not.
    return blocks.join(format === 'openmetrics' ? '\n' : '\n\n');
  }
}

function same<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
