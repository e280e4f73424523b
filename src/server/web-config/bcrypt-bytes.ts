/**
 * bcrypt (EksBlowfish, as in OpenBSD and Go's x/crypto/bcrypt) over raw password bytes.
 * bcryptjs only takes JavaScript strings and UTF-8-encodes them, so a password that is not
 * valid UTF-8 (Basic auth carries bytes) could never match there; the exporter-toolkit
 * compares bytes. Tests check this against bcryptjs and against libxcrypt's hashes.
 */
import { timingSafeEqual } from 'node:crypto';
import { blowfishInitialState, P_LENGTH } from './blowfish-constants.js';

/** `$2a$`, `$2b$` or `$2y$`, two-digit cost, 22 salt and 31 hash characters. */
const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SALT_BYTES = 16;
const HASH_BYTES = 23;
/** bcrypt uses at most 72 key bytes, the terminating NUL included. */
const MAX_KEY_BYTES = 72;
/** "OrpheanBeholderScryDoubt" */
const MAGIC = [0x4f727068, 0x65616e42, 0x65686f6c, 0x64657253, 0x63727944, 0x6f756274];

const S0 = P_LENGTH;
const S1 = S0 + 256;
const S2 = S1 + 256;
const S3 = S2 + 256;
const STATE_WORDS = S3 + 256;

// The only non-null assertions in src/: typed-array reads at indexes that are in range by
// construction (fixed-size state, masked bytes). The type checker cannot know that, and
// the alternatives (`?? 0` at each read) made a cost-10 check 10% slower (97 ms against
// 88 ms here), CPU that every password guess costs.
function encipher(s: Int32Array, lr: Int32Array, off: number): void {
  let l = lr[off]! ^ s[0]!;
  let r = lr[off + 1]!;
  for (let i = 1; i <= 16; i += 2) {
    r ^= (((s[S0 + (l >>> 24)]! + s[S1 + ((l >>> 16) & 0xff)]!) ^ s[S2 + ((l >>> 8) & 0xff)]!) + s[S3 + (l & 0xff)]!) ^ s[i]!;
    l ^= (((s[S0 + (r >>> 24)]! + s[S1 + ((r >>> 16) & 0xff)]!) ^ s[S2 + ((r >>> 8) & 0xff)]!) + s[S3 + (r & 0xff)]!) ^ s[i + 1]!;
  }
  lr[off] = r ^ s[17]!;
  lr[off + 1] = l;
}

/** Big-endian words read round and round `data`, as Blowfish's key schedule does. */
class WordStream {
  private pos = 0;
  constructor(private readonly data: Uint8Array) {}
  next(): number {
    let w = 0;
    for (let i = 0; i < 4; i++) {
      w = (w << 8) | this.data[this.pos]!;
      this.pos = (this.pos + 1) % this.data.length;
    }
    return w;
  }
}

/** Blowfish key expansion; with a salt, bcrypt's salted variant (salt words mixed in). */
function expand(s: Int32Array, key: Uint8Array, salt: Uint8Array | undefined): void {
  const k = new WordStream(key);
  for (let i = 0; i < P_LENGTH; i++) s[i]! ^= k.next();
  const sw = salt && new WordStream(salt);
  const lr = new Int32Array(2);
  for (let i = 0; i < STATE_WORDS; i += 2) {
    if (sw) {
      lr[0]! ^= sw.next();
      lr[1]! ^= sw.next();
    }
    encipher(s, lr, 0);
    s[i] = lr[0]!;
    s[i + 1] = lr[1]!;
  }
}

function decode(text: string, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const c of text) {
    acc = (acc << 6) | ALPHABET.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < bytes) out[n++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

function encode(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(acc >>> bits) & 0x3f];
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (6 - bits)) & 0x3f];
  return out;
}

/** The 31 hash characters bcrypt makes from `password` with this cost and salt. */
function bcryptDigest(password: Uint8Array, cost: number, salt: Uint8Array): string {
  if (salt.length !== SALT_BYTES) throw new Error('bcrypt salt must be 16 bytes');
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new Error('bcrypt cost must be 4-31');
  // The password and its terminating NUL, cut to 72 bytes (a 72-byte password loses its NUL).
  const key = new Uint8Array(Math.min(password.length + 1, MAX_KEY_BYTES));
  key.set(password.subarray(0, key.length));
  const s = Int32Array.from(blowfishInitialState());
  expand(s, key, salt);
  for (let round = 2 ** cost; round > 0; round--) {
    expand(s, key, undefined);
    expand(s, salt, undefined);
  }
  const text = Int32Array.from(MAGIC);
  for (let i = 0; i < 64; i++) for (let j = 0; j < text.length; j += 2) encipher(s, text, j);
  const out = new Uint8Array(HASH_BYTES);
  for (let i = 0; i < HASH_BYTES; i++) out[i] = (text[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
  return encode(out);
}

/** Cost of a well-formed hash, or undefined. */
export function bcryptCost(hash: string): number | undefined {
  const m = BCRYPT_HASH.exec(hash);
  return m ? Number(m[1]) : undefined;
}

/** Whether `password` matches `hash`; the comparison takes the same time wherever they differ. */
export function bcryptMatches(password: Uint8Array, hash: string): boolean {
  const [, cost, salt, expected] = BCRYPT_HASH.exec(hash) ?? [];
  if (cost === undefined || salt === undefined || expected === undefined) throw new Error('not a bcrypt hash');
  const digest = bcryptDigest(password, Number(cost), decode(salt, SALT_BYTES));
  return timingSafeEqual(Buffer.from(digest), Buffer.from(expected));
}
