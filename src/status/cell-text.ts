/** Values as both forms of the status page show them, so the HTML and the text agree. */
import type { Family } from '../net/ip-address.js';
import type { ListenerSample } from '../listener/fields.js';
import type { NamespaceSnapshot } from '../sampler/snapshot.js';

export const NONE = '-';

export function endpoint(l: ListenerSample): string {
  return l.family === 'ipv6' ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
}

export function optional(n: number | undefined): string {
  return n === undefined ? NONE : String(n);
}

/** `1 network namespace`, `2 network namespaces`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function percent(fill: number | undefined): string {
  if (fill === undefined) return NONE;
  if (fill === Infinity) return 'full';
  return `${Math.round(fill * 100)}%`;
}

export function seconds(s: number): string {
  return s.toFixed(1);
}

/** A container ID is 64 hex digits; its first 12 name it, as docker and crictl show it. */
const SHORT_CONTAINER_ID = 12;

export function namespaceText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${k === 'container_id' ? v.slice(0, SHORT_CONTAINER_ID) : v}`)
    .join(' ');
}

/** Listening sockets of a family; unknown when no source that lists them answered. */
export function listenerCount(ns: NamespaceSnapshot, family: Family): string {
  return ns.familiesKnown[family] ? String(ns.listenerCounts[family]) : NONE;
}

/** Whether any namespace has labels: node-wide mode. */
export function nodeWide(namespaces: readonly NamespaceSnapshot[]): boolean {
  return namespaces.some((ns) => Object.keys(ns.labels).length > 0);
}

export function age(secondsAgo: number): string {
  const s = Math.max(0, secondsAgo);
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function utc(timestampSeconds: number): string {
  return new Date(timestampSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}
