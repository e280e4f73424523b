import { describe, expect, it } from 'vitest';
import { listenerRecord, listenerSample, recordWith, sameRecord, sameSample, sampleWith } from '../../src/listener/build.js';
import { type ListenerSample, RECORD_FIELDS, SAMPLE_FIELDS } from '../../src/listener/fields.js';

describe('listener record and sample builders', () => {
  const record = listenerRecord({ family: 'ipv4', address: '10.0.0.1', port: 80, device: undefined, queueLength: 2, limit: 128, inode: 7 });

  it('leave out optional fields that are undefined, and set the rest in declared order', () => {
    expect(Object.keys(record)).toEqual(['family', 'address', 'port', 'inode', 'queueLength', 'limit']);
    expect('device' in record).toBe(false);
  });

  it('replace only the fields asked for', () => {
    const copy = recordWith(record, { queueLength: 0, device: 'eth0' });
    expect(copy).toEqual({ family: 'ipv4', address: '10.0.0.1', port: 80, device: 'eth0', queueLength: 0, limit: 128, inode: 7 });
    expect(recordWith(copy, { limit: 4 })).toEqual({ ...copy, limit: 4 });
    expect(record.queueLength).toBe(2);
  });

  it('build samples whose copies are frozen and keep every other field', () => {
    const sample = listenerSample(record, { slot: 1, peak: 3, fullSeconds: 0.5, synRecv: 0, process: undefined });
    expect(Object.isFrozen(sample)).toBe(true);
    expect('process' in sample).toBe(false);
    expect(sample.synRecv).toBe(0);
    const copy = sampleWith(sample, { queueLength: 9, peak: 9, process: 'nginx' });
    expect(Object.isFrozen(copy)).toBe(true);
    expect(copy).toEqual({ ...sample, queueLength: 9, peak: 9, process: 'nginx' });
    expect(sampleWith(copy, { fullSeconds: 1 })).toEqual({ ...copy, fullSeconds: 1 });
  });
});

describe('equality covers every declared field', () => {
  const full: ListenerSample = listenerSample(
    { family: 'ipv4', address: '10.0.0.1', port: 80, device: 'eth0', queueLength: 2, limit: 128, drops: 3, inode: 7 },
    { slot: 1, peak: 3, fullSeconds: 0.5, synRecv: 2, process: 'nginx' },
  );
  const changed = (k: keyof ListenerSample): ListenerSample => {
    const other: Record<string, unknown> = { ...full };
    other[k] = typeof full[k] === 'number' ? (full[k] as number) + 1 : `${String(full[k])}x`;
    return other as unknown as ListenerSample;
  };

  it.each(SAMPLE_FIELDS.map((k) => [k]))('samples differ when %s differs', (k) => {
    expect(sameSample(full, { ...full })).toBe(true);
    expect(sameSample(full, changed(k))).toBe(false);
  });

  it.each(RECORD_FIELDS.map((k) => [k]))('records differ when %s differs', (k) => {
    expect(sameRecord(full, changed(k))).toBe(false);
  });
});
