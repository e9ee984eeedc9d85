import { gridIds } from "../config/grid-ids.js";
import { ValidationError } from "../domain/errors.js";
import type { HistoryEvent, Ticket } from "../domain/ticket.js";
import type { Core } from "../services/context.js";

/**
 * 退单率 and the other per-department / per-grid statistics, as counters the store adds to in the same
 * transaction as the events they count (so a retried or refused write counts nothing, and reading a month's
 * statistics is one query of a few hundred small items, never a scan of the tickets).
 *
 * Each counted event is attributed to the city-local month of its own time, except a return judged wrong
 * (`judge-return`), which counts in the month of the return it judges.
 */

/** Counters of one department (as the lead, or as a co-handler 协办). */
export const DEPARTMENT_COUNTERS = [
  /** Tickets dispatched to it as lead: dispatch, forward, assign, keep-separate, unmerge, hand-up to the office. */
  "received",
  /** 签收 as lead (a street office taking a small matter over from its grid worker included). */
  "accepted",
  /** 退单 by the department (every reason code). */
  "returned",
  "returnedNotOurs",
  "returnedNeedInfo",
  "returnedDuplicate",
  "returnedOther",
  /** Returns the dispatcher judged wrong (judge-return wrong: true; a re-judged return counts once). */
  "returnedWrong",
  /** Dispatches nobody accepted: the sweeper returned them to triage after the dead-letter redrives. */
  "unclaimed",
  /** 督办 because a deadline passed: accept (签收时限) and resolve (办结时限). */
  "overdueAccept",
  "overdueResolve",
  "resolved",
  /** Resolved at or before the resolve deadline in force. */
  "resolvedOnTime",
  /** 重办: failed verification, reopened, or an unsatisfied callback sent it back. */
  "reopened",
  "coReceived",
  "coReported",
  /** Callback ratings (回访) of its tickets: count and sum, for the mean. */
  "ratings",
  "ratingSum",
] as const;
export type DepartmentCounter = (typeof DEPARTMENT_COUNTERS)[number];

/** Counters of one grid cell: what was reported there, and what its grid workers handled (小事一格解决). */
export const GRID_COUNTERS = [
  /** Tickets filed with a location in the grid cell (any channel). */
  "filed",
  /** Of those, grid workers' patrol reports (巡查上报). */
  "patrolFiled",
  /** Fixed on the spot while filing (handledOnSite). */
  "handledOnSite",
  /** Small matters routed to the grid's workers. */
  "assigned",
  /** Accepted / resolved by a grid worker. */
  "accepted",
  "resolved",
  "resolvedOnTime",
  /** Handed up to the street office or triage: not small after all. */
  "handedUp",
  /** Taken over by the street office (accepted by it instead of the grid worker). */
  "takenOver",
  /** Returns (退单) of tickets located in the grid cell, by whichever department. */
  "returned",
  /** 督办 because a deadline passed, on tickets located in the grid cell. */
  "overdue",
] as const;
export type GridCounter = (typeof GRID_COUNTERS)[number];

export interface StatsDelta {
  scope: "department" | "grid";
  /** Department id, or the grid cell's full path. */
  id: string;
  /** City-local month `yyyymm`. */
  month: string;
  counts: Record<string, number>;
}

/** City-local month `yyyymm` of an instant. */
export function cityMonth(at: string, offsetMinutes: number): string {
  return new Date(Date.parse(at) + offsetMinutes * 60_000).toISOString().slice(0, 7).replace("-", "");
}

function gridOf(ticket: Pick<Ticket, "location">): string | null {
  const a = ticket.location.area;
  return a?.district && a.street && a.community && a.grid
    ? `${a.district}/${a.street}/${a.community}/${a.grid}`
    : null;
}

const RETURN_CODE_COUNTER: Record<string, DepartmentCounter> = {
  not_ours: "returnedNotOurs",
  need_info: "returnedNeedInfo",
  duplicate: "returnedDuplicate",
  other: "returnedOther",
};

/**
 * What a write of `ticket` (its state after `events`) adds to the counters. Pure; the events are the ones the
 * write stores, so a write stored once counts once.
 */
export function statsDeltas(
  ticket: Ticket,
  events: readonly HistoryEvent[],
  offsetMinutes: number,
): StatsDelta[] {
  const out = new Map<string, StatsDelta>();
  const add = (
    scope: StatsDelta["scope"],
    id: string | null | undefined,
    at: string,
    counter: string,
    n = 1,
  ) => {
    if (!id || n === 0) return;
    const month = cityMonth(at, offsetMinutes);
    const key = `${scope}|${id}|${month}`;
    let d = out.get(key);
    if (!d) {
      d = { scope, id, month, counts: {} };
      out.set(key, d);
    }
    d.counts[counter] = (d.counts[counter] ?? 0) + n;
  };
  const dept = (at: string, counter: DepartmentCounter, id: string | null | undefined, n = 1) =>
    add("department", id, at, counter, n);
  const grid = (at: string, counter: GridCounter, id: string | null | undefined = gridOf(ticket), n = 1) =>
    add("grid", id, at, counter, n);
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  /** Whoever handles the ticket now: its grid cell's workers, or its department. */
  const handler = (at: string, deptCounter: DepartmentCounter, gridCounter: GridCounter | null) => {
    if (ticket.handlingGrid) {
      if (gridCounter) grid(at, gridCounter, ticket.handlingGrid);
    } else dept(at, deptCounter, ticket.department);
  };
  const onTime = (at: string) => !ticket.dueAt || at <= ticket.dueAt;

  for (const e of events) {
    const at = e.at;
    const d = e.data ?? {};
    switch (e.type) {
      case "create":
        grid(at, "filed");
        if (ticket.channel === "grid") grid(at, "patrolFiled");
        break;
      case "handle-on-site":
        grid(at, "handledOnSite");
        break;
      case "dispatch":
      case "forward":
      case "assign":
      case "keep-separate":
      case "unmerge":
        if (typeof d.grid === "string") grid(at, "assigned", d.grid);
        else dept(at, "received", str(d.department));
        for (const c of Array.isArray(d.coHandlers) ? d.coHandlers : []) dept(at, "coReceived", str(c));
        break;
      case "hand-up":
        grid(at, "handedUp", str(d.grid));
        dept(at, "received", str(d.department));
        break;
      case "accept":
        if (typeof d.takenOverFrom === "string") {
          grid(at, "takenOver", d.takenOverFrom);
          dept(at, "accepted", ticket.department);
        } else handler(at, "accepted", "accepted");
        break;
      case "resolve":
        handler(at, "resolved", "resolved");
        if (onTime(at)) handler(at, "resolvedOnTime", "resolvedOnTime");
        break;
      case "return": {
        const from = str(d.department);
        if (e.role === "system") dept(at, "unclaimed", from);
        else {
          dept(at, "returned", from);
          dept(at, RETURN_CODE_COUNTER[String(d.code)] ?? "returnedOther", from);
        }
        grid(at, "returned");
        break;
      }
      case "judge-return": {
        const judged = (ticket.returns ?? []).find((r) => r.seq === d.seq);
        const n = (d.wrong === true ? 1 : 0) - (d.previous === true ? 1 : 0);
        if (judged) dept(judged.at, "returnedWrong", str(d.department), n);
        break;
      }
      case "urge":
        handler(at, d.deadline === "accept" ? "overdueAccept" : "overdueResolve", "overdue");
        if (ticket.handlingGrid !== gridOf(ticket)) grid(at, "overdue");
        break;
      case "reopen":
        handler(at, "reopened", null);
        break;
      case "verify":
      case "confirm":
        if (d.passed === false) handler(at, "reopened", null);
        break;
      case "rate":
        if (typeof d.rating === "number") {
          dept(at, "ratings", ticket.department);
          dept(at, "ratingSum", ticket.department, d.rating);
        }
        if (d.reopened === true) handler(at, "reopened", null);
        break;
      case "co-report":
        dept(at, "coReported", str(d.department));
        break;
    }
  }
  return [...out.values()];
}

export interface StatsRow {
  scope: "department" | "grid";
  id: string;
  counts: Record<string, number>;
}

const rate = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 10_000) / 10_000 : null);

function fill<T extends readonly string[]>(names: T, counts: Record<string, number> | undefined) {
  return Object.fromEntries(names.map((n) => [n, counts?.[n] ?? 0])) as Record<T[number], number>;
}

/**
 * One department's statistics for the month: the counters and the rates derived from them.
 * 退单率 (returnRate) = returned ÷ received; 错退率 (wrongReturnRate) = returnedWrong ÷ returned; the
 * justified return rate leaves out the returns judged wrong.
 */
export function departmentStats(id: string, name: string, counts: Record<string, number> | undefined) {
  const c = fill(DEPARTMENT_COUNTERS, counts);
  return {
    department: id,
    name,
    ...c,
    returnRate: rate(c.returned, c.received),
    justifiedReturnRate: rate(c.returned - c.returnedWrong, c.received),
    wrongReturnRate: rate(c.returnedWrong, c.returned),
    onTimeRate: rate(c.resolvedOnTime, c.resolved),
    satisfaction: c.ratings ? Math.round((c.ratingSum / c.ratings) * 100) / 100 : null,
  };
}

export function gridStats(id: string, counts: Record<string, number> | undefined) {
  const c = fill(GRID_COUNTERS, counts);
  return {
    grid: id,
    ...c,
    onTimeRate: rate(c.resolvedOnTime, c.resolved),
    handUpRate: rate(c.handedUp, c.assigned),
  };
}

/** The requested month `YYYY-MM` as `yyyymm`; the current city month when absent. */
export function statsMonth(raw: string | undefined, now: Date, offsetMinutes: number): string {
  if (raw === undefined || raw === "") return cityMonth(now.toISOString(), offsetMinutes);
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(raw);
  if (!m) throw new ValidationError("month 须为 YYYY-MM / month must be YYYY-MM", "month");
  return `${m[1]}${m[2]}`;
}

const display = (month: string) => `${month.slice(0, 4)}-${month.slice(4)}`;

/** GET /v1/stats/departments: every department of the configuration, with zeros where nothing was counted. */
export async function departmentStatistics(core: Core, month: string | undefined) {
  const m = statsMonth(month, core.clock.now(), core.config.city.timezoneOffsetMinutes);
  const rows = new Map(
    (await core.store.readStats(m)).filter((r) => r.scope === "department").map((r) => [r.id, r.counts]),
  );
  const departments = core.config.departments.map((d) => departmentStats(d.id, d.name, rows.get(d.id)));
  const sum: Record<string, number> = {};
  for (const counts of rows.values()) for (const [k, v] of Object.entries(counts)) sum[k] = (sum[k] ?? 0) + v;
  const { department: _d, name: _n, ...totals } = departmentStats("", "", sum);
  return { month: display(m), departments, totals };
}

/** GET /v1/stats/grids: every grid cell of the area tree, with zeros where nothing was counted. */
export async function gridStatistics(core: Core, month: string | undefined) {
  const m = statsMonth(month, core.clock.now(), core.config.city.timezoneOffsetMinutes);
  const rows = new Map(
    (await core.store.readStats(m)).filter((r) => r.scope === "grid").map((r) => [r.id, r.counts]),
  );
  return { month: display(m), grids: [...gridIds(core.config)].map((g) => gridStats(g, rows.get(g))) };
}
