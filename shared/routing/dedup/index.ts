import type { CityConfig } from "../../config/schema.js";
import type { AreaPath, DuplicateCandidate } from "../../domain/ticket.js";
import type { DedupEntry, DedupIndex } from "../../ports.js";
import { decodeSignature, encodeSignature, normalizeText, signature, similarity } from "./minhash.js";

export type { DedupEntry, DedupIndex };

/** The category's top-level ancestor ("close" categories share it), or null. */
export function topCategory(
  config: Pick<CityConfig, "categories">,
  categoryId: string | null,
): string | null {
  const parent = new Map(config.categories.map((c) => [c.id, c.parent]));
  let cat = categoryId ?? undefined;
  for (let n = 0; cat && parent.get(cat) && n < 10; n++) cat = parent.get(cat);
  return cat ?? null;
}

/**
 * The index partition a ticket is looked up in: its street (or district) and top-level category. Repeats of one
 * problem are reported in one place about one kind of thing; one query reads the partition's recent open tickets.
 */
export function dedupPartition(
  config: Pick<CityConfig, "categories">,
  area: AreaPath | undefined,
  categoryId: string | null,
): string {
  return `${area?.district ?? "-"}/${area?.street ?? "-"}#${topCategory(config, categoryId) ?? "-"}`;
}

/** Titles shorter than this (after normalisation) say too little to match on alone ("噪音扰民"). */
const MIN_TITLE_CHARS = 8;

/**
 * Title and title+description signatures, encoded for the ticket. A title too short to tell gets the empty
 * signature, which matches nothing.
 */
export function textSignature(title: string, description: string): string {
  const titleSig = normalizeText(title).length >= MIN_TITLE_CHARS ? signature(title) : signature("");
  return encodeSignature(titleSig, signature(`${title}\n${description}`));
}

type Decoded = NonNullable<ReturnType<typeof decodeSignature>>;
const decodedCache = new WeakMap<object, Decoded | null>();

/** Decodes an entry's signature once per entry object (the in-memory index hands out the same objects). */
function decodedOf(entry: DedupEntry): Decoded | null {
  let d = decodedCache.get(entry);
  if (d === undefined) {
    d = decodeSignature(entry.signature);
    decodedCache.set(entry, d);
  }
  return d;
}

/** Positions compared before the full signature: fewer than QUICK_MIN equal ones means "clearly different". */
const QUICK = 16;
const QUICK_MIN = 4;

function quickEqual(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < QUICK; i++) if (a[i] === b[i]) same++;
  return same;
}

/**
 * max(text similarity, title similarity). A pair whose first 16 positions agree in fewer than 4 places (an
 * estimate below 0.25, far under any threshold) is scored 0 without reading the rest: most candidates are that.
 */
function score(x: Decoded, y: Decoded): number {
  const text = quickEqual(x.text, y.text) >= QUICK_MIN ? similarity(x.text, y.text) : 0;
  const title = quickEqual(x.title, y.title) >= QUICK_MIN ? similarity(x.title, y.title) : 0;
  return Math.max(text, title);
}

/** Similarity of two reports: the full texts', or the titles' when both titles are long enough to tell. */
export function pairScore(a: string, b: string): number {
  const x = decodeSignature(a);
  const y = decodeSignature(b);
  return x && y ? score(x, y) : 0;
}

function metres(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

export interface RepeatCheck {
  partition: string;
  signature: string;
  title: string;
  createdAt: string;
  lat?: number;
  lng?: number;
}

export interface RepeatFinding {
  level: "auto" | "flag";
  best: DuplicateCandidate;
  candidates: DuplicateCandidate[];
}

/**
 * 重复工单 at intake: one indexed query for the partition's open tickets of the last `windowDays`, then MinHash
 * similarity (and distance, when both have a point). ≥ autoMergeScore: merge automatically under the oldest best
 * match; ≥ flagScore: flag for the dispatcher. null: not a repeat.
 */
export async function findRepeat(
  index: DedupIndex,
  settings: CityConfig["dedup"],
  check: RepeatCheck,
): Promise<RepeatFinding | null> {
  const since = new Date(Date.parse(check.createdAt) - settings.windowDays * 86_400_000).toISOString();
  const entries = await index.dedupCandidates(check.partition, since);
  return scoreCandidates(entries, settings, check);
}

export function scoreCandidates(
  entries: readonly DedupEntry[],
  settings: Pick<CityConfig["dedup"], "autoMergeScore" | "flagScore" | "distanceMeters">,
  check: RepeatCheck,
  limit = 5,
): RepeatFinding | null {
  const found: (DuplicateCandidate & { createdAt: string })[] = [];
  const mine = decodeSignature(check.signature);
  if (!mine) return null;
  for (const e of entries) {
    if (
      check.lat !== undefined &&
      check.lng !== undefined &&
      e.lat !== undefined &&
      e.lng !== undefined &&
      metres({ lat: check.lat, lng: check.lng }, { lat: e.lat, lng: e.lng }) > settings.distanceMeters
    )
      continue;
    const theirs = decodedOf(e);
    const s = theirs ? score(mine, theirs) : 0;
    if (s >= settings.flagScore)
      found.push({ ticketId: e.ticketId, ticketNo: e.ticketNo, score: s, createdAt: e.createdAt });
  }
  if (!found.length) return null;
  found.sort((a, b) => b.score - a.score || (a.createdAt < b.createdAt ? -1 : 1));
  const candidates = found.slice(0, limit).map(({ createdAt: _c, ...c }) => c);
  const best = candidates[0]!;
  return { level: best.score >= settings.autoMergeScore ? "auto" : "flag", best, candidates };
}
