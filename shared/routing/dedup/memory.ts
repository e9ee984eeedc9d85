import type { DedupEntry, DedupIndex } from "../../ports.js";

/**
 * The dedup index port in memory: partition → entries sorted by creation time, the same shape as the table's
 * sparse index (partition key, sort key createdAt#id). Used by the dedup benchmark for 100,000 open tickets.
 */
export class MemoryDedupIndex implements DedupIndex {
  private readonly partitions = new Map<string, DedupEntry[]>();
  queries = 0;

  add(partition: string, entry: DedupEntry): void {
    const list = this.partitions.get(partition) ?? [];
    list.push(entry);
    if (list.length > 1 && list[list.length - 2]!.createdAt > entry.createdAt)
      list.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
    this.partitions.set(partition, list);
  }

  async dedupCandidates(partition: string, since: string): Promise<DedupEntry[]> {
    this.queries++;
    const list = this.partitions.get(partition) ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.createdAt < since) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(lo);
  }
}
