import { describe, expect, it } from "vitest";
import { createTicketNumbers } from "../../../shared/services/ticket-numbers.js";

/** The day counters as DynamoDB keeps them: ADD count, return the new value. */
function counters() {
  const byDay = new Map<string, number>();
  const calls: { day: string; count: number }[] = [];
  return {
    calls,
    reserve: async (day: string, count: number) => {
      calls.push({ day, count });
      await new Promise((r) => setTimeout(r, 1));
      const n = (byDay.get(day) ?? 0) + count;
      byDay.set(day, n);
      return n;
    },
  };
}

describe("ticket numbers from blocks of the day's counter (hi/lo)", () => {
  it("never hands out a number twice, across concurrent callers and several processes", async () => {
    const c = counters();
    const processes = [createTicketNumbers(c.reserve), createTicketNumbers(c.reserve)];
    const got = await Promise.all(Array.from({ length: 300 }, (_, i) => processes[i % 2]!.next("20261201")));
    expect(new Set(got).size).toBe(300);
    expect(Math.min(...got)).toBe(1);
  });

  it("starts with a block of one and grows while busy, so the counter is written far less than once a ticket", async () => {
    const c = counters();
    const numbers = createTicketNumbers(c.reserve, { maxBlock: 16 });
    for (let i = 0; i < 100; i++) await numbers.next("20261201");
    expect(c.calls[0]).toEqual({ day: "20261201", count: 1 });
    expect(Math.max(...c.calls.map((x) => x.count))).toBe(16);
    expect(c.calls.length).toBeLessThan(15);
  });

  it("a quiet process reserves one at a time, so a stopped process leaves no long gap", async () => {
    let t = 0;
    const c = counters();
    const numbers = createTicketNumbers(c.reserve, { busyMs: 1000, now: () => t });
    for (let i = 0; i < 5; i++) {
      await numbers.next("20261201");
      t += 60_000; // one ticket a minute
    }
    expect(c.calls.map((x) => x.count)).toEqual([1, 1, 1, 1, 1]);
  });

  it("hands a given-back number out again (a replay used none), and a new day starts at 1", async () => {
    const c = counters();
    const numbers = createTicketNumbers(c.reserve);
    const a = await numbers.next("20261201");
    numbers.giveBack("20261201", a);
    expect(await numbers.next("20261201")).toBe(a);
    expect(await numbers.next("20261202")).toBe(1);
    // Yesterday's number given back after the day changed stays a gap instead of being reused today.
    numbers.giveBack("20261201", 7);
    expect(await numbers.next("20261202")).toBe(2);
  });
});
