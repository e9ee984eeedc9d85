import type { DedupEntry, DedupIndex, DedupQuery } from "../../ports.js";
import { dedupCellSlots, dedupLeafSlots, dedupSlot } from "./index.js";

interface Slot {
  sk: string;
  entry: DedupEntry;
}

/**
 * The dedup index port in memory: partition → entries sorted by sort key, the same shape as the table's sparse
 * index (partition key street + top category, sort key community#grid#category#createdAt#id). Used by the dedup
 * benchmark for 100,000 open tickets.
 */
export class MemoryDedupIndex implements DedupIndex {
  private readonly partitions = new Map<string, Slot[]>();
  queries = 0;

  /**
   * Adds an open ticket under its repeat key (`dedupKey`) and, for a report placed only to its community or
   * street, under its `dedupCells` too, and for a report known only to its top-level category, under its
   * `dedupLeaves`; a legacy key is not indexed, as in the table.
   */
  add(key: string, entry: DedupEntry, cells: readonly string[] = [], leaves: readonly string[] = []): void {
    const own = dedupSlot(key, entry.createdAt, entry.ticketId);
    if (!own) return;
    for (const slot of [
      own,
      ...dedupCellSlots(key, cells, entry.createdAt, entry.ticketId),
      ...dedupLeafSlots(key, leaves, entry.createdAt, entry.ticketId),
    ]) {
      const list = this.partitions.get(slot.pk) ?? [];
      const at = list.length && list[list.length - 1]!.sk > slot.sk ? lowerBound(list, slot.sk) : list.length;
      list.splice(at, 0, { sk: slot.sk, entry });
      this.partitions.set(slot.pk, list);
    }
  }

  async dedupCandidates(query: DedupQuery): Promise<DedupEntry[]> {
    this.queries++;
    const list = this.partitions.get(query.pk) ?? [];
    const lo = query.from === undefined ? 0 : lowerBound(list, query.from);
    const hi = query.to === undefined ? list.length : lowerBound(list, `${query.to}\u0000`);
    return list.slice(lo, hi).map((s) => s.entry);
  }
}

/** The first position whose sort key is ≥ `sk`. */
function lowerBound(list: Slot[], sk: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.sk < sk) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
