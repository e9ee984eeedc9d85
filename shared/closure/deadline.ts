import type { CityConfig, Duration } from "../config/schema.js";
import type { Deadlines } from "../domain/lifecycle.js";
import type { Urgency } from "../domain/ticket.js";
import { type Calendar, createCalendar, localDate } from "./calendar.js";
import type { VerificationMode } from "./schema.js";

export { type Calendar, createCalendar } from "./calendar.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Adds a duration to `from`. Hours are wall-clock hours. Working days count whole local working days after the
 * day of `from` (a ticket filed on Friday with 1 working day is due at the same time on Monday).
 */
export function addDuration(from: Date, duration: Duration, calendar: Calendar, offsetMinutes: number): Date {
  if ("hours" in duration) return new Date(from.getTime() + duration.hours * HOUR);
  const offset = offsetMinutes * 60_000;
  const local = from.getTime() + offset;
  return new Date(local + calendarDays(calendar, local, duration.workingDays) * DAY - offset);
}

/** Per calendar (immutable once built): (local day, working days) → calendar days to add. */
const daysCache = new WeakMap<Calendar, Map<string, number>>();

/**
 * The calendar days after the local day of `local` (ms, city time) until `workingDays` working days have
 * passed. Remembered per day and count: every ticket filed on one day asks the same few questions, and
 * walking the calendar day by day was a tenth of intake's CPU.
 */
function calendarDays(calendar: Calendar, local: number, workingDays: number): number {
  let cache = daysCache.get(calendar);
  if (!cache) {
    cache = new Map();
    daysCache.set(calendar, cache);
  }
  const key = `${Math.floor(local / DAY)}:${workingDays}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  let days = 0;
  let remaining = workingDays;
  while (remaining > 0 && days < 3660) {
    days++;
    if (calendar.isWorkingDay(new Date(local + days * DAY).toISOString().slice(0, 10))) remaining--;
  }
  if (cache.size >= 4096) cache.clear();
  cache.set(key, days);
  return days;
}

export interface DeadlinePolicy {
  /** 办结时限: the earlier of the urgency's and the category's (or its parent's) time limit. */
  dueAt(now: Date, urgency: Urgency, categoryId: string | null): string;
  /** 签收时限: the same rule with the accept limits. */
  acceptDueAt(now: Date, urgency: Urgency, categoryId: string | null): string;
  /** Both deadlines of a new round of handling that starts `now`. */
  deadlines(now: Date, urgency: Urgency, categoryId: string | null): Deadlines;
  /** 核查: who verifies a resolved ticket of the category. */
  verification(categoryId: string | null): VerificationMode;
  calendar: Calendar;
}

type PolicyConfig = Pick<CityConfig, "deadlines" | "categories" | "calendar" | "city">;

export function createDeadlinePolicy(config: PolicyConfig): DeadlinePolicy {
  const calendar = createCalendar(config);
  const cats = new Map(config.categories.map((c) => [c.id, c]));
  /** A category's own setting, else its nearest ancestor's. */
  const inherited = <K extends "deadline" | "acceptDeadline" | "verification">(id: string | null, key: K) => {
    let cat = id ? cats.get(id) : undefined;
    for (let depth = 0; cat && depth < 10; depth++) {
      if (cat[key] !== undefined) return cat[key];
      cat = cat.parent ? cats.get(cat.parent) : undefined;
    }
    return undefined;
  };
  const offset = config.city.timezoneOffsetMinutes;
  const earliest = (now: Date, durations: (Duration | undefined)[], fallbackDays: number) => {
    const candidates = durations
      .filter((d): d is Duration => d !== undefined)
      .map((d) => addDuration(now, d, calendar, offset).getTime());
    const due = candidates.length ? Math.min(...candidates) : now.getTime() + fallbackDays * DAY;
    return new Date(due).toISOString();
  };
  const acceptByUrgency = config.deadlines.acceptByUrgency as Partial<Record<Urgency, Duration>> | undefined;
  /** 签收时限, never later than the resolve deadline `due`: a ticket resolved in time was accepted in time. */
  const acceptBefore = (now: Date, urgency: Urgency, categoryId: string | null, due: string) => {
    const accept = earliest(now, [acceptByUrgency?.[urgency], inherited(categoryId, "acceptDeadline")], 1);
    return Date.parse(accept) <= Date.parse(due) ? accept : due;
  };
  const policy: DeadlinePolicy = {
    calendar,
    dueAt(now, urgency, categoryId) {
      return earliest(now, [config.deadlines.byUrgency[urgency], inherited(categoryId, "deadline")], 5);
    },
    acceptDueAt(now, urgency, categoryId) {
      return acceptBefore(now, urgency, categoryId, policy.dueAt(now, urgency, categoryId));
    },
    deadlines(now, urgency, categoryId) {
      const dueAt = policy.dueAt(now, urgency, categoryId);
      return { acceptDueAt: acceptBefore(now, urgency, categoryId, dueAt), dueAt };
    },
    verification(categoryId) {
      return inherited(categoryId, "verification") ?? "dispatcher";
    },
  };
  return policy;
}

/** The city day of an instant, as the calendar counts it. */
export { localDate };
