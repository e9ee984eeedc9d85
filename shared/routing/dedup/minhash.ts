/**
 * Character-shingle MinHash for Chinese text (重复工单). Chinese has no spaces, so words are not the unit: the
 * text is normalised (width, case, punctuation and spaces dropped) and cut into overlapping character bigrams;
 * the MinHash signature estimates the Jaccard similarity of two texts' bigram sets. Written by hand because
 * the few npm MinHash packages are unmaintained and word-based; this is ~40 lines with no dependency.
 */

export const SIGNATURE_SIZE = 64;

const SEEDS = (() => {
  const out = new Uint32Array(SIGNATURE_SIZE);
  let x = 0x9e3779b9;
  for (let i = 0; i < SIGNATURE_SIZE; i++) {
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
    x = Math.imul(x ^ (x >>> 12), 0x297a2d39) >>> 0;
    out[i] = (x ^ (x >>> 15)) >>> 0;
  }
  return out;
})();

/** A 32-bit avalanche mix (murmur3 finaliser). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Full-width to half-width, lower case, and only letters, digits and CJK characters kept. */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "");
}

/** The text's character bigrams, hashed (FNV-1a over the two code points); a one-character text is its own shingle. */
export function shingles(text: string): Set<number> {
  const cps = Array.from(normalizeText(text), (ch) => ch.codePointAt(0)!);
  const out = new Set<number>();
  if (cps.length === 1) out.add(mix(cps[0]!));
  for (let i = 0; i + 1 < cps.length; i++) {
    let h = Math.imul(0x811c9dc5 ^ cps[i]!, 0x01000193);
    h = Math.imul(h ^ cps[i + 1]!, 0x01000193);
    out.add(h >>> 0);
  }
  return out;
}

/** MinHash signature of a text (all 0xffffffff for an empty text). */
export function signature(text: string): Uint32Array {
  const sig = new Uint32Array(SIGNATURE_SIZE).fill(0xffffffff);
  for (const h of shingles(text)) {
    for (let i = 0; i < SIGNATURE_SIZE; i++) {
      const v = mix(h ^ SEEDS[i]!);
      if (v < sig[i]!) sig[i] = v;
    }
  }
  return sig;
}

/** A stored signature position: the low 16 bits of a minimum (b-bit MinHash, b = 16). */
export type Stored = Uint16Array;

const EMPTY16 = 0xffff;

/**
 * Estimated Jaccard similarity: the share of equal positions. Compared on the low 16 bits of each minimum
 * (b-bit MinHash): two different minima agree there by chance once in 65,536, which moves an estimate by
 * about 0.00002 — nothing next to the thresholds — for half the bytes read per candidate.
 */
export function similarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (isEmpty(a) || isEmpty(b)) return 0;
  let same = 0;
  for (let i = 0; i < SIGNATURE_SIZE; i++) if (a[i] === b[i]) same++;
  return same / SIGNATURE_SIZE;
}

/** The empty text's signature (every minimum 0xffffffff); a real one starts so by chance once in 2^32. */
function isEmpty(a: ArrayLike<number>): boolean {
  const v = a[0] === 0xffffffff ? 0xffffffff : EMPTY16;
  return a[0] === v && a[1] === v;
}

/** A ticket's stored signature: title and full text, 16 bits a position, base64 (2 × 128 bytes). */
export function encodeSignature(title: Uint32Array, text: Uint32Array): string {
  const both = new Uint16Array(SIGNATURE_SIZE * 2);
  for (let i = 0; i < SIGNATURE_SIZE; i++) {
    both[i] = title[i]! & 0xffff;
    both[SIGNATURE_SIZE + i] = text[i]! & 0xffff;
  }
  return Buffer.from(both.buffer).toString("base64");
}

/**
 * The stored signature's two halves (16 bits a position). Signatures stored before (32 bits a position, 2 × 256
 * bytes) are read too, by their low 16 bits, so old and new tickets still compare.
 */
export function decodeSignature(encoded: string): { title: Stored; text: Stored } | null {
  const buf = Buffer.from(encoded, "base64");
  let all: Uint16Array;
  if (buf.length === SIGNATURE_SIZE * 4) {
    all = new Uint16Array(SIGNATURE_SIZE * 2);
    for (let i = 0; i < SIGNATURE_SIZE * 2; i++) all[i] = buf.readUInt16LE(i * 2);
  } else if (buf.length === SIGNATURE_SIZE * 8) {
    all = new Uint16Array(SIGNATURE_SIZE * 2);
    for (let i = 0; i < SIGNATURE_SIZE * 2; i++) all[i] = buf.readUInt16LE(i * 4);
  } else return null;
  return { title: all.subarray(0, SIGNATURE_SIZE), text: all.subarray(SIGNATURE_SIZE) };
}
