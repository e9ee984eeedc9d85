import type { CityConfig, Duration } from "../config/schema.js";
import type { Urgency } from "./ticket.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Calendar {
  /** True when the local calendar day (YYYY-MM-DD) is a working day: Mon–Fri unless a holiday, or a make-up day. */
  isWorkingDay(localDate: string): boolean;
}

export function createCalendar(config: Pick<CityConfig, "calendar">): Calendar {
  const holidays = new Set(config.calendar.holidays);
  const makeup = new Set(config.calendar.makeupWorkdays);
  return {
    isWorkingDay(localDate) {
      if (makeup.has(localDate)) return true;
      if (holidays.has(localDate)) return false;
      const dow = new Date(`${localDate}T00:00:00Z`).getUTCDay();
      return dow !== 0 && dow !== 6;
    },
  };
}

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
  /** 办理时限: the earlier of the urgency's and the category's (or its parent's) time limit. */
  dueAt(now: Date, urgency: Urgency, categoryId: string | null): string;
}

export function createDeadlinePolicy(
  config: Pick<CityConfig, "deadlines" | "categories" | "calendar" | "city">,
): DeadlinePolicy {
  const calendar = createCalendar(config);
  const cats = new Map(config.categories.map((c) => [c.id, c]));
  const categoryDuration = (id: string | null): Duration | undefined => {
    let cat = id ? cats.get(id) : undefined;
    for (let depth = 0; cat && depth < 10; depth++) {
      if (cat.deadline) return cat.deadline;
      cat = cat.parent ? cats.get(cat.parent) : undefined;
    }
    return undefined;
  };
  const offset = config.city.timezoneOffsetMinutes;
  return {
    dueAt(now, urgency, categoryId) {
      const byUrgency = config.deadlines.byUrgency[urgency];
      const candidates = [byUrgency, categoryDuration(categoryId)]
        .filter((d): d is Duration => d !== undefined)
        .map((d) => addDuration(now, d, calendar, offset).getTime());
      const due = candidates.length ? Math.min(...candidates) : now.getTime() + 5 * DAY;
      return new Date(due).toISOString();
    },
  };
}
