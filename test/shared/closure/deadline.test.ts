import { describe, expect, it } from "vitest";
import { addDuration, createCalendar, createDeadlinePolicy } from "../../../shared/closure/deadline.js";
import type { CityConfig } from "../../../shared/config/schema.js";

const EIGHT_HOURS = 8 * 60;
const HOUR_MS = 3_600_000;

/**
 * An autumn holiday week of our own: Thu 1 Oct to Wed 7 Oct off (with the weekend in between), paid back on
 * Sun 27 Sep and Sat 10 Oct. 2026-09-25 and 2026-10-09 are Fridays.
 */
const CALENDAR: CityConfig["calendar"] = {
  official: false,
  years: [],
  closures: [],
  holidays: ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"],
  makeupWorkdays: ["2026-09-27", "2026-10-10"],
};

/** A calendar of our own only (no official days). */
const own = (holidays: string[] = [], makeupWorkdays: string[] = []): CityConfig["calendar"] => ({
  official: false,
  years: [],
  closures: [],
  holidays,
  makeupWorkdays,
});

type PolicyConfig = Pick<CityConfig, "deadlines" | "categories" | "calendar" | "city">;

const CONFIG: PolicyConfig = {
  city: { id: "test-town", name: "Test Town", timezoneOffsetMinutes: EIGHT_HOURS },
  calendar: CALENDAR,
  deadlines: {
    byUrgency: {
      urgent: { hours: 2 },
      high: { hours: 24 },
      normal: { workingDays: 5 },
      low: { workingDays: 10 },
    },
    acceptByUrgency: {
      urgent: { hours: 1 },
      high: { hours: 4 },
      normal: { workingDays: 1 },
      low: { workingDays: 2 },
    },
    warnAtFraction: 0.8,
    escalateAfterHours: 24,
  },
  categories: [
    { id: "flooding", name: "flooding", kind: "event", keywords: [], deadline: { hours: 48 } },
    { id: "burst-main", name: "burst main", kind: "event", keywords: [], parent: "flooding" },
    { id: "wages", name: "wages", kind: "event", keywords: [], deadline: { workingDays: 3 } },
    { id: "general", name: "general", kind: "event", keywords: [] },
  ],
};

/** A local wall-clock time in the +8 city as a UTC instant. */
const local = (isoLocal: string) => new Date(`${isoLocal}+08:00`);

describe("createCalendar", () => {
  const calendar = createCalendar({ calendar: CALENDAR });

  it("weekdays work, weekends rest", () => {
    expect(calendar.isWorkingDay("2026-09-24")).toBe(true); // Thu
    expect(calendar.isWorkingDay("2026-09-26")).toBe(false); // Sat
    expect(calendar.isWorkingDay("2026-10-04")).toBe(false); // Sun
  });

  it("holidays rest even on a weekday; make-up days work even on a weekend", () => {
    expect(calendar.isWorkingDay("2026-10-01")).toBe(false); // Thu holiday
    expect(calendar.isWorkingDay("2026-09-27")).toBe(true); // Sun make-up
    expect(calendar.isWorkingDay("2026-10-10")).toBe(true); // Sat make-up
  });
});

describe("addDuration", () => {
  const calendar = createCalendar({ calendar: own() });

  it("hours are plain wall-clock hours, weekends included", () => {
    const from = local("2026-03-07T22:15:00"); // Saturday night
    expect(addDuration(from, { hours: 5 }, calendar, EIGHT_HOURS).getTime() - from.getTime()).toBe(
      5 * HOUR_MS,
    );
    expect(addDuration(from, { hours: 0.5 }, calendar, EIGHT_HOURS).getTime() - from.getTime()).toBe(
      0.5 * HOUR_MS,
    );
  });

  it("one working day from Friday is Monday at the same local time", () => {
    const friday = local("2026-03-06T10:30:00");
    expect(addDuration(friday, { workingDays: 1 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-03-09T10:30:00"),
    );
  });

  it("working days skip the whole weekend inside the span", () => {
    const wednesday = local("2026-03-04T16:00:00");
    expect(addDuration(wednesday, { workingDays: 3 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-03-09T16:00:00"),
    );
    expect(addDuration(wednesday, { workingDays: 5 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-03-11T16:00:00"),
    );
  });

  it("a report filed at the weekend counts from the next working day", () => {
    const sunday = local("2026-03-08T09:00:00");
    expect(addDuration(sunday, { workingDays: 1 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-03-09T09:00:00"),
    );
  });
});

describe("addDuration's remembered answers", () => {
  it("give every time of a local day, and each offset's own local day, the right deadline", () => {
    const calendar = createCalendar({ calendar: own() });
    // Friday just after midnight and just before: both due Monday at the same local time.
    for (const at of ["2026-03-06T00:05:00", "2026-03-06T23:55:00", "2026-03-06T00:05:00"]) {
      expect(addDuration(local(at), { workingDays: 1 }, calendar, EIGHT_HOURS)).toEqual(
        local(at.replace("03-06", "03-09")),
      );
    }
    // Friday 20:00 UTC is Saturday 04:00 in a UTC+8 city: UTC counts from Friday, the city from Saturday.
    const instant = new Date("2026-03-06T20:00:00Z");
    expect(addDuration(instant, { workingDays: 1 }, calendar, 0)).toEqual(new Date("2026-03-09T20:00:00Z"));
    expect(addDuration(instant, { workingDays: 1 }, calendar, EIGHT_HOURS)).toEqual(
      new Date("2026-03-08T20:00:00Z"),
    );
    expect(addDuration(instant, { workingDays: 1 }, calendar, 0)).toEqual(new Date("2026-03-09T20:00:00Z"));
  });
});

describe("addDuration across a holiday with make-up workdays", () => {
  const calendar = createCalendar({ calendar: CALENDAR });

  it("skips the holiday week and its weekend", () => {
    const wednesday = local("2026-09-30T11:00:00");
    // 1 Oct – 7 Oct are all off, 8 Oct (Thu) is the first working day after
    expect(addDuration(wednesday, { workingDays: 1 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-10-08T11:00:00"),
    );
    expect(addDuration(wednesday, { workingDays: 2 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-10-09T11:00:00"),
    );
  });

  it("counts a make-up Saturday as a working day", () => {
    const friday = local("2026-10-09T15:00:00");
    expect(addDuration(friday, { workingDays: 1 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-10-10T15:00:00"),
    );
    // Sat 10 (make-up) then Mon 12
    expect(addDuration(friday, { workingDays: 2 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-10-12T15:00:00"),
    );
  });

  it("counts a make-up Sunday before the holiday as a working day", () => {
    const friday = local("2026-09-25T09:00:00");
    // Sat 26 off, Sun 27 make-up, Mon 28, Tue 29, Wed 30, then holidays until Thu 8 Oct
    expect(addDuration(friday, { workingDays: 1 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-09-27T09:00:00"),
    );
    expect(addDuration(friday, { workingDays: 5 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-10-08T09:00:00"),
    );
  });
});

describe("addDuration: the city's +8 hours decide the day", () => {
  const calendar = createCalendar({ calendar: own() });

  it("Friday evening UTC is already Saturday in the city", () => {
    const instant = new Date("2026-03-06T17:00:00Z"); // Sat 01:00 local
    const due = addDuration(instant, { workingDays: 1 }, calendar, EIGHT_HOURS);
    expect(due).toEqual(local("2026-03-09T01:00:00")); // Monday 01:00 local
    // read in UTC, the same day count would have made it Monday 17:00 UTC — a different deadline
    expect(addDuration(instant, { workingDays: 1 }, calendar, 0)).toEqual(new Date("2026-03-09T17:00:00Z"));
  });

  it("Sunday evening UTC is already Monday in the city", () => {
    const instant = new Date("2026-03-08T23:30:00Z"); // Mon 07:30 local
    expect(addDuration(instant, { workingDays: 1 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-03-10T07:30:00"),
    );
    expect(addDuration(instant, { workingDays: 1 }, calendar, 0)).toEqual(new Date("2026-03-09T23:30:00Z"));
  });

  it("a holiday is judged by the city's date, not the UTC date", () => {
    const holidays = createCalendar({ calendar: own(["2026-03-11"]) });
    // Mon 9 Mar 20:00 UTC is Tue 10 Mar 04:00 in the city: the next day, Wed 11, is the holiday → Thu 12
    const instant = new Date("2026-03-09T20:00:00Z");
    expect(addDuration(instant, { workingDays: 1 }, holidays, EIGHT_HOURS)).toEqual(
      local("2026-03-12T04:00:00"),
    );
    // counted in UTC the next day would be the working Tue 10, landing on the city's holiday morning
    expect(addDuration(instant, { workingDays: 1 }, holidays, 0)).toEqual(new Date("2026-03-10T20:00:00Z"));
  });
});

describe("createDeadlinePolicy", () => {
  const policy = createDeadlinePolicy(CONFIG);
  const calendar = createCalendar(CONFIG);
  const tuesday = local("2026-03-03T10:00:00");
  const plus = (d: { hours: number } | { workingDays: number }) =>
    addDuration(tuesday, d, calendar, EIGHT_HOURS).toISOString();

  it("uses the urgency's time limit when the category has none", () => {
    expect(policy.dueAt(tuesday, "urgent", "general")).toBe(plus({ hours: 2 }));
    expect(policy.dueAt(tuesday, "normal", "general")).toBe(plus({ workingDays: 5 }));
    expect(policy.dueAt(tuesday, "low", null)).toBe(plus({ workingDays: 10 }));
    expect(policy.dueAt(tuesday, "high", "unknown-category")).toBe(plus({ hours: 24 }));
  });

  it("takes the earlier of the urgency's and the category's limit", () => {
    // normal = 5 working days (next Tuesday), flooding = 48 h: the category wins
    expect(policy.dueAt(tuesday, "normal", "flooding")).toBe(plus({ hours: 48 }));
    // urgent = 2 h beats flooding's 48 h
    expect(policy.dueAt(tuesday, "urgent", "flooding")).toBe(plus({ hours: 2 }));
    // low = 10 working days, wages = 3 working days
    expect(policy.dueAt(tuesday, "low", "wages")).toBe(plus({ workingDays: 3 }));
    // high = 24 h beats wages' 3 working days
    expect(policy.dueAt(tuesday, "high", "wages")).toBe(plus({ hours: 24 }));
  });

  it("a category without a limit inherits its parent's", () => {
    expect(policy.dueAt(tuesday, "normal", "burst-main")).toBe(plus({ hours: 48 }));
  });

  it("the result is an ISO instant after now", () => {
    for (const urgency of ["urgent", "high", "normal", "low"] as const) {
      const due = policy.dueAt(tuesday, urgency, "general");
      expect(new Date(due).toISOString()).toBe(due);
      expect(Date.parse(due)).toBeGreaterThan(tuesday.getTime());
    }
  });

  it("a working-day limit over a holiday uses the calendar", () => {
    const beforeHoliday = local("2026-09-30T11:00:00");
    expect(policy.dueAt(beforeHoliday, "normal", "general")).toBe(
      addDuration(beforeHoliday, { workingDays: 5 }, calendar, EIGHT_HOURS).toISOString(),
    );
    // 8, 9, 10 (make-up Sat), 12, 13 October
    expect(policy.dueAt(beforeHoliday, "normal", "general")).toBe(local("2026-10-13T11:00:00").toISOString());
  });
});
