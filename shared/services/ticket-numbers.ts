/**
 * Ticket numbers (`20261122-000123`) from per-process blocks of the day's counter (hi/lo): one counter update
 * reserves a block, and the process hands its numbers out one by one, so the hot counter item is written once
 * per block instead of once per ticket. Numbers are never reused across processes; a number given back (a replay
 * that turned out to be a duplicate, so no ticket holds it) is handed out again by the same process. A process
 * that stops leaves the rest of its block unused: gaps are allowed, duplicates never.
 *
 * The block grows with the load: it starts at 1 (a quiet Lambda container wastes nothing) and doubles, up to
 * `maxBlock`, each time a block is used up within `busyMs` of being reserved.
 */
export interface TicketNumbers {
  next(day: string): Promise<number>;
  /** Returns a number that no stored ticket holds (it was taken, then the write proved a duplicate). */
  giveBack(day: string, n: number): void;
}

export function createTicketNumbers(
  /** Adds `count` to the day's counter and returns the new value (the last number of the block). */
  reserve: (day: string, count: number) => Promise<number>,
  opts: { maxBlock?: number; busyMs?: number; now?: () => number } = {},
): TicketNumbers {
  const maxBlock = opts.maxBlock ?? 32;
  const busyMs = opts.busyMs ?? 1000;
  const now = opts.now ?? Date.now;
  let day = "";
  let free: number[] = []; // numbers of the current block still to hand out, lowest first
  let size = 1;
  let reservedAt = 0;
  let pending: Promise<void> | null = null;

  async function refill(forDay: string) {
    if (forDay === day && free.length === 0 && reservedAt && now() - reservedAt < busyMs) {
      size = Math.min(maxBlock, size * 2);
    }
    if (forDay !== day) size = 1;
    const count = size;
    const high = await reserve(forDay, count);
    if (forDay !== day) {
      day = forDay;
      free = [];
    }
    for (let n = high - count + 1; n <= high; n++) free.push(n);
    reservedAt = now();
  }

  return {
    async next(forDay) {
      for (;;) {
        if (forDay === day && free.length) return free.shift() as number;
        // One reservation at a time; callers that find the block empty wait for it and try again.
        pending ??= refill(forDay).finally(() => {
          pending = null;
        });
        await pending;
      }
    },
    giveBack(forDay, n) {
      if (forDay !== day) return; // a new day started meanwhile: yesterday's number stays a gap
      free.unshift(n);
      free.sort((a, b) => a - b);
    },
  };
}
