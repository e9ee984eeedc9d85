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

/** Estimated Jaccard similarity: the share of equal positions. */
export function similarity(a: Uint32Array, b: Uint32Array): number {
  if (a[0] === 0xffffffff || b[0] === 0xffffffff) return 0;
  let same = 0;
  for (let i = 0; i < SIGNATURE_SIZE; i++) if (a[i] === b[i]) same++;
  return same / SIGNATURE_SIZE;
}

/** A ticket's stored signature: title and full text, base64 (2 × 256 bytes). */
export function encodeSignature(title: Uint32Array, text: Uint32Array): string {
  const both = new Uint32Array(SIGNATURE_SIZE * 2);
  both.set(title, 0);
  both.set(text, SIGNATURE_SIZE);
  return Buffer.from(both.buffer).toString("base64");
}

export function decodeSignature(encoded: string): { title: Uint32Array; text: Uint32Array } | null {
  const buf = Buffer.from(encoded, "base64");
  if (buf.length !== SIGNATURE_SIZE * 8) return null;
  const all = new Uint32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  return { title: all.subarray(0, SIGNATURE_SIZE), text: all.subarray(SIGNATURE_SIZE) };
}
