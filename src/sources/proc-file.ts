/**
 * A procfs file read again and again through one open descriptor. A pread at offset 0
 * makes procfs generate the file afresh, so a read is one system call instead of open,
 * fstat, read, read and close, into a buffer kept from read to read (a new one each time
 * is an off-heap allocation the garbage collector has to track and free). Synchronous on
 * purpose: procfs answers from memory, and promise-based reads of these small files cost
 * thread-pool round trips, measured as the largest cost of an idle sample after process
 * starts.
 *
 * For files procfs prints in one piece (netstat, snmp, sockstat, /proc/sys): one read
 * returns the whole file when the buffer is larger, so a full buffer is read again with a
 * larger one. A failed read closes the descriptor; the next read opens the path again.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const FIRST_BUFFER_BYTES = 4096;
const MAX_BYTES = 16 << 20;

export class ProcFile {
  private fd: number | undefined;
  private buf = Buffer.allocUnsafe(FIRST_BUFFER_BYTES);

  /** @param open how the descriptor is made; another namespace's /proc/sys needs it opened from inside that namespace */
  constructor(
    readonly path: string,
    private readonly open: (path: string) => number = (p) => openSync(p, 'r'),
  ) {}

  read(): string {
    return this.readBytes().toString('latin1');
  }

  /** The file's bytes, in the reused buffer: valid until the next read. */
  readBytes(): Buffer {
    try {
      this.fd ??= this.open(this.path);
      for (;;) {
        const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
        if (n < this.buf.length) return this.buf.subarray(0, n);
        if (this.buf.length >= MAX_BYTES) throw new Error(`${this.path} is larger than ${MAX_BYTES} bytes`);
        this.buf = Buffer.allocUnsafe(this.buf.length * 2);
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
