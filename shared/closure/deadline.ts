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
  let local = from.getTime() + offset;
  let remaining = duration.workingDays;
  let guard = 0;
  while (remaining > 0 && guard++ < 3660) {
    local += DAY;
    if (calendar.isWorkingDay(new Date(local).toISOString().slice(0, 10))) remaining--;
  }
  return new Date(local - offset);
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
  const policy: DeadlinePolicy = {
    calendar,
    dueAt(now, urgency, categoryId) {
      return earliest(now, [config.deadlines.byUrgency[urgency], inherited(categoryId, "deadline")], 5);
    },
    acceptDueAt(now, urgency, categoryId) {
      const accept = earliest(now, [acceptByUrgency?.[urgency], inherited(categoryId, "acceptDeadline")], 1);
      // Never later than the resolve deadline: a ticket resolved in time was accepted in time.
      const due = policy.dueAt(now, urgency, categoryId);
      return Date.parse(accept) <= Date.parse(due) ? accept : due;
    },
    deadlines(now, urgency, categoryId) {
      return {
        acceptDueAt: policy.acceptDueAt(now, urgency, categoryId),
        dueAt: policy.dueAt(now, urgency, categoryId),
      };
    },
    verification(categoryId) {
      return inherited(categoryId, "verification") ?? "dispatcher";
    },
  };
  return policy;
}

/** The city day of an instant, as the calendar counts it. */
export { localDate };
