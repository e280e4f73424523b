/**
 * The per-listener fields, declared once. A source fills a ListenerRecord (what the kernel
 * says of one listening socket); the sampler adds what it derives across samples to make a
 * ListenerSample. LISTENER_FIELDS says for every field who fills it and how it is exposed
 * (a label, a metric value, or neither): equality, the builders, label rendering and the
 * per-socket metric families all follow from it, and the `satisfies` clause fails to compile
 * when a field of either interface is missing from it or declared with the wrong origin.
 * Adding a per-socket field therefore touches the parser that reads it, this file and the
 * metric catalog.
 */
import type { Family } from '../net/ip-address.js';

/** One listening socket as one source saw it. */
export interface ListenerRecord {
  readonly family: Family;
  /** Canonical address text (see net/ip-address.ts). */
  readonly address: string;
  readonly port: number;
  /** Interface the socket is bound to or scoped to, when the source can tell. */
  readonly device?: string;
  readonly inode: number;
  /** Accept-queue length (Recv-Q of a listener). */
  readonly queueLength: number;
  /** Accept-queue limit (Send-Q of a listener); only sock_diag and ss know it. */
  readonly limit?: number;
  /** Drops at this socket since it was created (sk_drops); only sock_diag and `ss -m` know it. */
  readonly drops?: number;
}

/** A record with what the sampler keeps for it across samples. */
export interface ListenerSample extends ListenerRecord {
  /** Position within the sockets sharing family/address/port/device; stable while it lives. */
  readonly slot: number;
  readonly peak: number;
  readonly fullSeconds: number;
  readonly synRecv?: number;
  /** Owning process's name, with --collector.process-names. */
  readonly process?: string;
}

type Origin = 'kernel' | 'sampler';
type Exposure = 'label' | 'value' | 'none';

interface FieldSpec<O extends Origin> {
  readonly origin: O;
  readonly exposed: Exposure;
}

type Declaration = {
  readonly [K in keyof ListenerSample]-?: FieldSpec<K extends keyof ListenerRecord ? 'kernel' : 'sampler'>;
};

/** Label fields in the order labels are printed (after them come the namespace labels). */
export const LISTENER_FIELDS = {
  family: { origin: 'kernel', exposed: 'label' },
  address: { origin: 'kernel', exposed: 'label' },
  port: { origin: 'kernel', exposed: 'label' },
  slot: { origin: 'sampler', exposed: 'label' },
  device: { origin: 'kernel', exposed: 'label' },
  process: { origin: 'sampler', exposed: 'label' },
  inode: { origin: 'kernel', exposed: 'none' },
  queueLength: { origin: 'kernel', exposed: 'value' },
  limit: { origin: 'kernel', exposed: 'value' },
  drops: { origin: 'kernel', exposed: 'value' },
  peak: { origin: 'sampler', exposed: 'value' },
  fullSeconds: { origin: 'sampler', exposed: 'value' },
  synRecv: { origin: 'sampler', exposed: 'value' },
} as const satisfies Declaration;

type Fields = typeof LISTENER_FIELDS;
type FieldName = keyof Fields;
type FieldsWhere<P extends keyof FieldSpec<Origin>, V> = { [K in FieldName]: Fields[K][P] extends V ? K : never }[FieldName];

/** Fields a metric family can expose as its value. */
export type ListenerValueField = FieldsWhere<'exposed', 'value'>;
export type ListenerLabelField = FieldsWhere<'exposed', 'label'>;

const names = Object.keys(LISTENER_FIELDS) as FieldName[];

export const RECORD_FIELDS = names.filter((k) => LISTENER_FIELDS[k].origin === 'kernel') as ReadonlyArray<keyof ListenerRecord>;
export const SAMPLE_FIELDS: ReadonlyArray<keyof ListenerSample> = names;
export const LABEL_FIELDS = names.filter((k) => LISTENER_FIELDS[k].exposed === 'label') as readonly ListenerLabelField[];
