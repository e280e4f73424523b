import { describe, expect, it } from 'vitest';
import { listenerRecord, recordWith } from '../../src/sources/listener-record.js';
import { listenerSample, sampleWith } from '../../src/sampler/listener-sample.js';

describe('listener record and sample builders', () => {
  const record = listenerRecord({ family: 'ipv4', address: '10.0.0.1', port: 80, device: undefined, depth: 2, limit: 128, inode: 7 });

  it('leave out optional fields that are undefined', () => {
    expect(Object.keys(record).sort()).toEqual(['address', 'depth', 'family', 'inode', 'limit', 'port']);
    expect('device' in record).toBe(false);
  });

  it('replace only the fields asked for', () => {
    const copy = recordWith(record, { depth: 0, device: 'eth0' });
    expect(copy).toEqual({ family: 'ipv4', address: '10.0.0.1', port: 80, device: 'eth0', depth: 0, limit: 128, inode: 7 });
    expect(recordWith(copy, { limit: 4 })).toEqual({ ...copy, limit: 4 });
    expect(record.depth).toBe(2);
  });

  it('build samples whose copies are frozen and keep every other field', () => {
    const sample = listenerSample({ ...record, slot: 1, peak: 3, fullSeconds: 0.5, synRecv: 0, process: undefined });
    expect('process' in sample).toBe(false);
    expect(sample.synRecv).toBe(0);
    const copy = sampleWith(sample, { depth: 9, peak: 9, process: 'nginx' });
    expect(Object.isFrozen(copy)).toBe(true);
    expect(copy).toEqual({ ...sample, depth: 9, peak: 9, process: 'nginx' });
    expect(sampleWith(copy, { fullSeconds: 1 })).toEqual({ ...copy, fullSeconds: 1 });
  });
});
