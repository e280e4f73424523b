/**
 * Blowfish's initial P-array and S-boxes are the hexadecimal digits of pi's fractional part
 * (P[0] = 0x243f6a88, ...). They are computed here (Machin's formula in BigInt fixed point,
 * about 70 ms once per process) rather than pasted as 1,042 literals nobody can review.
 */
const P_WORDS = 18;
const S_WORDS = 4 * 256;

function arctanOfInverse(x: bigint, one: bigint): bigint {
  const x2 = x * x;
  let power = one / x;
  let sum = power;
  for (let k = 1n, sign = -1n; power !== 0n; k++, sign = -sign) {
    power /= x2;
    sum += (sign * power) / (2n * k + 1n);
  }
  return sum;
}

function piWords(count: number): Uint32Array {
  const bits = BigInt(count * 32);
  // Truncation errors of the series stay far below the guard bits.
  const guard = 64n;
  const one = 1n << (bits + guard);
  const pi = (16n * arctanOfInverse(5n, one) - 4n * arctanOfInverse(239n, one)) >> guard;
  const fraction = pi - (3n << bits);
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) words[i] = Number((fraction >> (bits - 32n * BigInt(i + 1))) & 0xffffffffn);
  return words;
}

let cached: Uint32Array | undefined;

/** P (18 words) followed by S0..S3 (256 words each); copy before use, it is shared. */
export function blowfishInitialState(): Uint32Array {
  cached ??= piWords(P_WORDS + S_WORDS);
  return cached;
}

export const P_LENGTH = P_WORDS;
