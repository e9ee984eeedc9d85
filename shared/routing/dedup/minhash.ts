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

/**
 * Estimated Jaccard similarity: the share of equal positions of `a` and `b` from `offset` on, over
 * SIGNATURE_SIZE positions. Compared on the low bits of each minimum (b-bit MinHash): two different minima agree
 * there by chance once in 2^b (b = 8 in the repeat index's copy, {@link indexSignature}), which moves an
 * estimate by at most (1 − J) / 256 ≤ 0.004 — nothing next to the thresholds.
 */
export function similarity(a: ArrayLike<number>, b: ArrayLike<number>, offset = 0): number {
  if (isEmpty(a, offset) || isEmpty(b, offset)) return 0;
  let same = 0;
  for (let i = offset; i < offset + SIGNATURE_SIZE; i++) if (a[i] === b[i]) same++;
  return same / SIGNATURE_SIZE;
}

/**
 * The empty text's signature: every minimum 0xffffffff (or its low bits all set, as stored). A real one has
 * every position so by chance never (once in 2^(8·64) for the 8-bit copy); a check stops at the first other value.
 */
function isEmpty(a: ArrayLike<number>, offset: number): boolean {
  const first = a[offset];
  if (first !== 0xffffffff && first !== 0xffff && first !== 0xff) return false;
  for (let i = offset + 1; i < offset + SIGNATURE_SIZE; i++) if (a[i] !== first) return false;
  return true;
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

/** Bytes of the repeat index's copy of a signature: the title's and the text's positions, 8 bits each. */
export const INDEX_SIGNATURE_BYTES = SIGNATURE_SIZE * 2;

/**
 * The repeat index's copy of a stored signature (`ddSig`, a Binary attribute): the low 8 bits of each position,
 * title first, then the whole text — 128 bytes instead of the ticket's 256 (344 as base64 text). A check reads
 * one per candidate, so the copy is what the index holds and what both sides of a comparison use. null for a
 * signature that does not decode.
 */
export function indexSignature(encoded: string): Uint8Array | null {
  const d = decodeSignature(encoded);
  if (!d) return null;
  const out = new Uint8Array(INDEX_SIGNATURE_BYTES);
  for (let i = 0; i < SIGNATURE_SIZE; i++) {
    out[i] = d.title[i]! & 0xff;
    out[SIGNATURE_SIZE + i] = d.text[i]! & 0xff;
  }
  return out;
}
