/**
 * Builders and equality for records and samples, over the declared fields. Builders set
 * fields one at a time in the declared order and leave out optional fields that are
 * undefined, so equal values have equal shapes. They never copy with `{ ...r, queueLength }`: on
 * Node.js 20 a spread followed by more properties takes V8's slow clone path, about 3 µs an
 * object, which at 1,000 sockets was most of the time spent building a sample.
 */
import { type ListenerRecord, type ListenerSample, RECORD_FIELDS, SAMPLE_FIELDS } from './fields.js';

type Writable = Record<string, unknown>;

function build<T extends object>(fields: ReadonlyArray<keyof T>, from: T, changes?: Partial<T>): T {
  const out: Writable = {};
  for (const k of fields) {
    const v = changes !== undefined && changes[k] !== undefined ? changes[k] : from[k];
    if (v !== undefined) out[k as string] = v;
  }
  return out as T;
}

function same<T extends object>(fields: ReadonlyArray<keyof T>, a: T, b: T): boolean {
  for (const k of fields) if (a[k] !== b[k]) return false;
  return true;
}

export function listenerRecord(f: ListenerRecord): ListenerRecord {
  return build(RECORD_FIELDS, f);
}

/** The record with some of its kernel values replaced or added. */
export function recordWith(r: ListenerRecord, c: Partial<Pick<ListenerRecord, 'queueLength' | 'device' | 'limit' | 'drops'>>): ListenerRecord {
  return build<ListenerRecord>(RECORD_FIELDS, r, c);
}

export function sameRecord(a: ListenerRecord, b: ListenerRecord): boolean {
  return same(RECORD_FIELDS, a, b);
}

/** A frozen sample: the record's fields and the sampler's, in the declared order. */
export function listenerSample(record: ListenerRecord, derived: Pick<ListenerSample, 'slot' | 'peak' | 'fullSeconds' | 'synRecv' | 'process'>): ListenerSample {
  const out: Writable = {};
  for (const k of SAMPLE_FIELDS) {
    const v = k in derived ? derived[k as keyof typeof derived] : record[k as keyof ListenerRecord];
    if (v !== undefined) out[k] = v;
  }
  return Object.freeze(out as unknown as ListenerSample);
}

/** The sample, frozen, with its length, peak, full time or owner replaced. */
export function sampleWith(l: ListenerSample, c: Partial<Pick<ListenerSample, 'queueLength' | 'peak' | 'fullSeconds' | 'process'>>): ListenerSample {
  return Object.freeze(build<ListenerSample>(SAMPLE_FIELDS, l, c));
}

export function sameSample(a: ListenerSample, b: ListenerSample): boolean {
  return same(SAMPLE_FIELDS, a, b);
}
