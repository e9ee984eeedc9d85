import { describe, expect, it } from "vitest";
import cityJson from "../../../shared/config/city.json" with { type: "json" };
import { parseCityConfig } from "../../../shared/config/load.js";
import type { HistoryEvent, Ticket } from "../../../shared/domain/ticket.js";
import { createDecider } from "../../../shared/routing/router.js";
import { cityMonth, departmentStats, statsDeltas, statsMonth } from "../../../shared/routing/stats.js";

const GRID = "gaoxin/changhe/chuangye/g01";
const ev = (type: string, at: string, data?: Record<string, unknown>, role = "department"): HistoryEvent =>
  ({
    seq: 1,
    at,
    actor: "a",
    role,
    type,
    from: "dispatched",
    to: "dispatched",
    ...(data ? { data } : {}),
  }) as HistoryEvent;

function ticket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    id: "t1",
    channel: "hotline",
    location: {
      address: "x",
      area: { district: "gaoxin", street: "changhe", community: "chuangye", grid: "g01" },
    },
    department: "water",
    dueAt: "2026-12-10T00:00:00.000Z",
    returns: [],
    ...overrides,
  } as Ticket;
}

const counts = (deltas: ReturnType<typeof statsDeltas>, scope: string, id: string) =>
  deltas.find((d) => d.scope === scope && d.id === id)?.counts;

describe("statistics counters (退单率)", () => {
  it("the city-local month decides where an event counts", () => {
    expect(cityMonth("2026-11-30T16:30:00.000Z", 480)).toBe("202612");
    expect(cityMonth("2026-11-30T15:30:00.000Z", 480)).toBe("202611");
    expect(statsMonth("2026-02", new Date(), 480)).toBe("202602");
    expect(() => statsMonth("2026-2", new Date(), 480)).toThrow(/month/);
  });

  it("a return counts for the department that returned it, by code; the grid cell counts it too", () => {
    const d = statsDeltas(
      ticket({ department: null }),
      [ev("return", "2026-12-01T01:00:00.000Z", { department: "water", code: "not_ours" })],
      480,
    );
    expect(counts(d, "department", "water")).toEqual({ returned: 1, returnedNotOurs: 1 });
    expect(counts(d, "grid", GRID)).toEqual({ returned: 1 });
    // the sweeper's return of a dispatch nobody accepted is not the department's 退单
    const sys = statsDeltas(
      ticket(),
      [ev("return", "2026-12-01T01:00:00.000Z", { department: "water" }, "system")],
      480,
    );
    expect(counts(sys, "department", "water")).toEqual({ unclaimed: 1 });
  });

  it("a return judged wrong counts once, in the month of the return, and a reversal takes it back", () => {
    const returns = [
      {
        seq: 3,
        at: "2026-11-20T01:00:00.000Z",
        department: "water",
        code: "other" as const,
        note: "x",
        suggestedDepartment: null,
        duplicateOf: null,
        wrong: true,
      },
    ];
    const judge = (wrong: boolean, previous: boolean | null) =>
      statsDeltas(
        ticket({ returns }),
        [
          ev(
            "judge-return",
            "2026-12-05T01:00:00.000Z",
            { seq: 3, department: "water", wrong, previous },
            "dispatcher",
          ),
        ],
        480,
      );
    expect(judge(true, null)).toEqual([
      { scope: "department", id: "water", month: "202611", counts: { returnedWrong: 1 } },
    ]);
    expect(judge(true, true)).toEqual([]);
    expect(judge(false, true)[0]?.counts).toEqual({ returnedWrong: -1 });
  });

  it("resolves on time and overdue urges count for whoever handles the ticket: a department or a grid cell", () => {
    const dept = statsDeltas(
      ticket(),
      [
        ev("urge", "2026-12-09T01:00:00.000Z", { deadline: "accept" }, "system"),
        ev("resolve", "2026-12-09T02:00:00.000Z"),
      ],
      480,
    );
    expect(counts(dept, "department", "water")).toEqual({ overdueAccept: 1, resolved: 1, resolvedOnTime: 1 });
    expect(counts(dept, "grid", GRID)).toEqual({ overdue: 1 });
    const grid = statsDeltas(
      ticket({ department: "gaoxin-changhe", handlingGrid: GRID }),
      [
        ev("urge", "2026-12-09T01:00:00.000Z", { deadline: "resolve" }, "system"),
        ev("resolve", "2026-12-11T02:00:00.000Z", undefined, "grid-worker"),
      ],
      480,
    );
    expect(counts(grid, "department", "gaoxin-changhe")).toBeUndefined();
    expect(counts(grid, "grid", GRID)).toEqual({ overdue: 1, resolved: 1 });
  });

  it("rates: 退单率 = returned ÷ received; returns judged wrong left out of the justified rate", () => {
    const s = departmentStats("water", "水务", {
      received: 8,
      returned: 2,
      returnedWrong: 1,
      resolved: 4,
      resolvedOnTime: 3,
    });
    expect(s).toMatchObject({
      returnRate: 0.25,
      justifiedReturnRate: 0.125,
      wrongReturnRate: 0.5,
      onTimeRate: 0.75,
    });
    expect(departmentStats("x", "x", undefined)).toMatchObject({
      received: 0,
      returnRate: null,
      satisfaction: null,
    });
  });
});

describe("小事一格解决: the configuration decides street office or grid worker", () => {
  const config = parseCityConfig(structuredClone(cityJson), "city.json");
  const area = { district: "gaoxin", street: "changhe", community: "chuangye", grid: "g01" };
  it("street-office: the office leads; grid-worker: the office answers and the grid cell handles", () => {
    expect(createDecider(config).decide("sanitation", area, "normal")).toEqual({
      lead: "gaoxin-changhe",
      coHandlers: [],
      basis: "small-matter",
    });
    const toWorker = createDecider({
      ...config,
      smallMatters: { ...config.smallMatters, to: "grid-worker" },
    });
    expect(toWorker.decide("sanitation", area, "normal")).toMatchObject({
      lead: "gaoxin-changhe",
      grid: GRID,
    });
    // urgent, or not placed in a grid cell: the rules as usual
    expect(toWorker.decide("sanitation", area, "urgent")?.grid).toBeUndefined();
    expect(
      toWorker.decide("sanitation", { district: "gaoxin", street: "changhe" }, "normal")?.grid,
    ).toBeUndefined();
  });
});
