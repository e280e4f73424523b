import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcFile } from '../../src/sources/proc-file.js';

describe('ProcFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'listenq-procfile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a live procfs file afresh at every read, whole', () => {
    const f = new ProcFile('/proc/self/net/snmp');
    const first = f.read();
    const second = f.read();
    f.close();
    const direct = readFileSync('/proc/self/net/snmp', 'latin1');
    expect(first.split('\n')[0]).toBe(direct.split('\n')[0]);
    expect(first.split('\n')).toHaveLength(direct.split('\n').length);
    expect(second.split('\n')).toHaveLength(direct.split('\n').length);
  });

  it('sees content rewritten in place, and grows its buffer for a file larger than it', () => {
    const path = join(dir, 'grows');
    writeFileSync(path, 'small\n');
    const f = new ProcFile(path);
    expect(f.read()).toBe('small\n');
    const big = 'x'.repeat(20_000);
    writeFileSync(path, big);
    expect(f.read()).toBe(big);
    writeFileSync(path, 'small again\n');
    expect(f.read()).toBe('small again\n');
    f.close();
  });

  it('throws while the file is missing and reads it once it exists', () => {
    const path = join(dir, 'later');
    const f = new ProcFile(path);
    expect(() => f.read()).toThrow(/ENOENT/);
    writeFileSync(path, '1\n');
    expect(f.read()).toBe('1\n');
    f.close();
  });

  it('throws on a directory, and keeps nothing open after a failure', () => {
    const f = new ProcFile(dir);
    expect(() => f.read()).toThrow(/EISDIR/);
    expect(() => f.read()).toThrow(/EISDIR/);
    f.close();
  });
});
