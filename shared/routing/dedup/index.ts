import type { CityConfig } from "../../config/schema.js";
import type { AreaPath, DuplicateCandidate } from "../../domain/ticket.js";
import type { DedupEntry, DedupIndex, DedupQuery } from "../../ports.js";
import {
  encodeSignature,
  INDEX_SIGNATURE_BYTES,
  indexSignature,
  normalizeText,
  SIGNATURE_SIZE,
  signature,
  similarity,
} from "./minhash.js";

export type { DedupEntry, DedupIndex, DedupQuery };
export { indexSignature };

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
 * The place a repeat check looks in, finest first: the report's basic grid cell (网格) when it is known, else
 * its community, street, district, or the whole city. A report inside a dedicated grid (专属网格) counts in the
 * basic cell under its point (so two reports of one pothole at a market's edge, one inside the market's polygon
 * and one just outside, still meet); a dedicated grid known only from the address counts as its community.
 */
export function repeatArea(
  config: Pick<CityConfig, "districts">,
  area: AreaPath | undefined,
  basicCellAtPoint: AreaPath | null,
): AreaPath {
  if (!area?.grid) return { ...area };
  const community = config.districts
    .find((d) => d.id === area.district)
    ?.streets.find((s) => s.id === area.street)
    ?.communities.find((c) => c.id === area.community);
  if (community?.grids.includes(area.grid)) return { ...area };
  if (basicCellAtPoint?.grid) return { ...basicCellAtPoint };
  const { grid: _dedicated, ...rest } = area;
  return rest;
}

/** What a place is not known to: "-" (never an id, which starts with a letter or digit). */
const UNKNOWN = "-";

/**
 * The repeat key a ticket keeps while open (`dedupKey`):
 * `<district>/<street>/<community>/<grid>#<top category>[#<category>]`, "-" for each part not known; the third
 * part is the report's own category when it is below the top level (a leaf: 排水设施, 井盖…), absent when the
 * report is known only to its top-level category (城乡建设: the classifier's unsure answer) or to none. `area` as
 * {@link repeatArea} gives it. Keys of the older street-level form (`<district>/<street>#<top>`, two path parts)
 * are no longer indexed; keys without a category part (written before it) read as top-level only.
 */
export function dedupPartition(
  config: Pick<CityConfig, "categories">,
  area: AreaPath | undefined,
  categoryId: string | null,
): string {
  const parts = [area?.district, area?.street, area?.community, area?.grid].map((p) => p || UNKNOWN);
  const top = topCategory(config, categoryId);
  const leaf = categoryId && top && categoryId !== top ? `#${categoryId}` : "";
  return `${parts.join("/")}#${top ?? UNKNOWN}${leaf}`;
}

interface ParsedKey {
  district: string;
  street: string;
  community: string;
  grid: string;
  top: string;
  /** The report's category below the top level; "" when it is known only to its top (or to none). */
  leaf: string;
}

function parseKey(key: string): ParsedKey | null {
  const [path, top, leaf, ...extra] = key.split("#");
  const parts = path?.split("/") ?? [];
  if (extra.length || !top || leaf === "" || parts.length !== 4) return null;
  const [district, street, community, grid] = parts.map((p) => (p === UNKNOWN ? "" : p)) as [
    string,
    string,
    string,
    string,
  ];
  return { district, street, community, grid, top, leaf: leaf ?? "" };
}

/**
 * The index partition of a key: the street (or district, or city) + top-level category. Within it entries sort
 * by `<community>#<grid>#<category>#<createdAt>#<id>` (empty community / grid / category when not known; "#"
 * sorts before every id character), so one partition answers every level of check with one query on a key range,
 * and a check placed to a cell with a category reads only that category's entries of its cell.
 */
function indexPartition(k: ParsedKey): string {
  return `${k.district || UNKNOWN}/${k.street || UNKNOWN}#${k.top}`;
}

/** Where a ticket with this key is kept in the repeat index: partition and sort key; null for a legacy key. */
export function dedupSlot(key: string, createdAt: string, id: string): { pk: string; sk: string } | null {
  const k = parseKey(key);
  if (!k) return null;
  return { pk: indexPartition(k), sk: slotKey(k.community, k.grid, k.leaf, createdAt, id) };
}

/**
 * The categories a report known only to its top-level category (the classifier unsure between, say, 排水设施 and
 * 井盖) is also indexed under in its grid cell: every category below that top. So a later report of the cell
 * with one of those categories meets it with its one query (as a top-only check reads all of its cell's
 * categories). None for a report with a category below the top, for a top without sub-categories, and for a
 * report not placed to a cell (its cell entries, `dedupCells`, carry no category: cells × categories would be
 * up to 160 items in one write).
 */
export function repeatLeaves(
  config: Pick<CityConfig, "categories">,
  area: AreaPath,
  categoryId: string | null,
): string[] {
  if (!area.grid || !categoryId || topCategory(config, categoryId) !== categoryId) return [];
  return config.categories
    .filter((c) => c.id !== categoryId && topCategory(config, c.id) === categoryId)
    .map((c) => c.id);
}

/** The extra index entries of a top-only report's `dedupLeaves`: one per category, in its cell's range. */
export function dedupLeafSlots(
  key: string,
  leaves: readonly string[],
  createdAt: string,
  id: string,
): { leaf: string; pk: string; sk: string }[] {
  const k = parseKey(key);
  if (!k || k.leaf) return [];
  return leaves.map((leaf) => ({
    leaf,
    pk: indexPartition(k),
    sk: slotKey(k.community, k.grid, leaf, createdAt, id),
  }));
}

/**
 * The basic cells a report placed no finer than its community (or street) is also indexed under, as
 * `<community>/<grid>`: every cell of that community (or of every community of that street). A report placed to
 * a cell, or only to a district or nowhere, has none.
 */
export function repeatCells(config: Pick<CityConfig, "districts">, area: AreaPath): string[] {
  if (area.grid || !area.street) return [];
  const street = config.districts
    .find((d) => d.id === area.district)
    ?.streets.find((s) => s.id === area.street);
  return (street?.communities ?? [])
    .filter((c) => !area.community || c.id === area.community)
    .flatMap((c) => c.grids.map((g) => `${c.id}/${g}`));
}

/** The extra index entries of a report's `dedupCells`: one per cell, in the same partition as its own entry. */
export function dedupCellSlots(
  key: string,
  cells: readonly string[],
  createdAt: string,
  id: string,
): { cell: string; pk: string; sk: string }[] {
  const k = parseKey(key);
  if (!k) return [];
  return cells.map((cell) => {
    const [community = "", grid = ""] = cell.split("/");
    return { cell, pk: indexPartition(k), sk: slotKey(community, grid, k.leaf, createdAt, id) };
  });
}

/** An index entry's sort key: `<community>#<grid>#<category>#<createdAt>#<id>` (read back by parseSlotKey). */
function slotKey(community: string, grid: string, leaf: string, createdAt: string, id: string): string {
  return `${community}#${grid}#${leaf}#${createdAt}#${id}`;
}

/** The sort key's creation time and ticket id (also of an entry written before the category part). */
export function parseSlotKey(sk: string): { createdAt: string; ticketId: string } | null {
  const parts = sk.split("#");
  if (parts.length === 5) return { createdAt: parts[3]!, ticketId: parts[4]! };
  if (parts.length === 4) return { createdAt: parts[2]!, ticketId: parts[3]! };
  return null;
}

/**
 * The one query of a check, by the finest level its key knows:
 *   - grid and category: that grid's entries of that category since `since` (the window is in the key range);
 *     they include the cell's top-only reports of that category's top (their dedupLeaves entries);
 *   - grid, top-level category only: every entry of the grid, of every category of the top;
 *   - community (no grid): every entry of the community — its grid cells' and its community-only ones;
 *   - street, district or city: the whole partition.
 * The other ranges carry no time in the key; the entries older than `since` are dropped after reading.
 * A report placed only to its community or street is in its cells' ranges too (dedupCells), so a later report
 * placed to one of those cells meets it, and a later coarser one meets earlier finer ones (docs/routing.md).
 */

export function dedupQuery(key: string, since: string): DedupQuery | null {
  const k = parseKey(key);
  if (!k) return null;
  const pk = indexPartition(k);
  if (k.grid && k.leaf)
    return {
      pk,
      from: `${k.community}#${k.grid}#${k.leaf}#${since}`,
      to: `${k.community}#${k.grid}#${k.leaf}#~`,
    };
  if (k.grid) return { pk, from: `${k.community}#${k.grid}#`, to: `${k.community}#${k.grid}#~` };
  if (k.community) return { pk, from: `${k.community}#`, to: `${k.community}#~` };
  return { pk };
}

/** The open tickets a check compares with: one indexed query, then the time window. */
export async function repeatCandidates(index: DedupIndex, key: string, since: string): Promise<DedupEntry[]> {
  const query = dedupQuery(key, since);
  if (!query) return [];
  const entries = await index.dedupCandidates(query);
  // A grid + category query's range already starts at `since`; the others do not (a string compare each). A
  // report is in a wider range once for itself and once per cell (dedupCells) or category (dedupLeaves): kept once.
  const seen = new Set<string>();
  return entries.filter((e) => {
    if (e.createdAt < since || seen.has(e.ticketId)) return false;
    seen.add(e.ticketId);
    return true;
  });
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

/** Positions compared before the full signature: fewer than QUICK_MIN equal ones means "clearly different". */
const QUICK = 16;
const QUICK_MIN = 4;

function quickEqual(a: Uint8Array, b: Uint8Array, offset: number): number {
  let same = 0;
  for (let i = offset; i < offset + QUICK; i++) if (a[i] === b[i]) same++;
  return same;
}

/**
 * max(text similarity, title similarity) of two index copies ({@link indexSignature}: title positions, then the
 * text's). A pair whose first 16 positions agree in fewer than 4 places (an estimate below 0.25, far under any
 * threshold) is scored 0 without reading the rest: most candidates are that.
 */
function score(x: Uint8Array, y: Uint8Array): number {
  if (x.length !== INDEX_SIGNATURE_BYTES || y.length !== INDEX_SIGNATURE_BYTES) return 0;
  const text = quickEqual(x, y, SIGNATURE_SIZE) >= QUICK_MIN ? similarity(x, y, SIGNATURE_SIZE) : 0;
  const title = quickEqual(x, y, 0) >= QUICK_MIN ? similarity(x, y, 0) : 0;
  return Math.max(text, title);
}

/** Similarity of two reports' stored signatures, as a check scores them (on the index copies). */
export function pairScore(a: string, b: string): number {
  const x = indexSignature(a);
  const y = indexSignature(b);
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
  const entries = await repeatCandidates(index, check.partition, since);
  return scoreCandidates(entries, settings, check);
}

export function scoreCandidates(
  entries: readonly DedupEntry[],
  settings: Pick<CityConfig["dedup"], "autoMergeScore" | "flagScore" | "distanceMeters">,
  check: RepeatCheck,
  limit = 5,
): RepeatFinding | null {
  const found: (DuplicateCandidate & { createdAt: string })[] = [];
  const mine = indexSignature(check.signature);
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
    const s = score(mine, e.signature);
    if (s >= settings.flagScore)
      found.push({ ticketId: e.ticketId, ticketNo: e.ticketNo, score: s, createdAt: e.createdAt });
  }
  if (!found.length) return null;
  found.sort((a, b) => b.score - a.score || (a.createdAt < b.createdAt ? -1 : 1));
  const candidates = found.slice(0, limit).map(({ createdAt: _c, ...c }) => c);
  const best = candidates[0]!;
  return { level: best.score >= settings.autoMergeScore ? "auto" : "flag", best, candidates };
}
