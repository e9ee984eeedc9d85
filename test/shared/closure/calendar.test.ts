import { describe, expect, it } from "vitest";
import { lunarDates } from "../../../scripts/lunar-dates.js";
import {
  calendarWarning,
  createCalendar,
  monthDays,
  statutoryHolidays,
  uncoveredDays,
} from "../../../shared/closure/calendar.js";
import { addDuration, createDeadlinePolicy } from "../../../shared/closure/deadline.js";
import lunarFile from "../../../shared/closure/lunar-dates.json" with { type: "json" };
import type { CityConfig } from "../../../shared/config/schema.js";

const OFFICIAL: CityConfig["calendar"] = {
  official: true,
  years: [],
  closures: [],
  holidays: [],
  makeupWorkdays: [],
};
const calendar = createCalendar({ calendar: OFFICIAL });
const EIGHT_HOURS = 480;
const local = (isoLocal: string) => new Date(`${isoLocal}+08:00`);

describe("the official 2026 calendar (chinese-days 1.5.7)", () => {
  it("Spring Festival: 15–23 February off, Saturday 14 February and Saturday 28 February worked (调休)", () => {
    for (const d of ["2026-02-15", "2026-02-16", "2026-02-17", "2026-02-20", "2026-02-23"])
      expect(calendar.describe(d), d).toMatchObject({ working: false, kind: "holiday", name: "春节" });
    expect(calendar.describe("2026-02-14")).toMatchObject({ working: true, kind: "makeup", name: "春节" });
    expect(calendar.describe("2026-02-28")).toMatchObject({ working: true, kind: "makeup" });
    expect(calendar.isWorkingDay("2026-02-24")).toBe(true);
  });

  it("National Day: 1–7 October off; Sunday 20 September and Saturday 10 October worked", () => {
    for (const d of ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-07"])
      expect(calendar.isWorkingDay(d), d).toBe(false);
    expect(calendar.describe("2026-09-20")).toMatchObject({ working: true, kind: "makeup", name: "国庆节" });
    expect(calendar.isWorkingDay("2026-10-10")).toBe(true);
    expect(calendar.isWorkingDay("2026-10-08")).toBe(true);
  });

  it("the other make-up days of 2026: 4 January and 9 May", () => {
    expect(calendar.isWorkingDay("2026-01-04")).toBe(true); // Sunday
    expect(calendar.isWorkingDay("2026-05-09")).toBe(true); // Saturday
    expect(calendar.isWorkingDay("2026-01-01")).toBe(false);
  });

  it("working days across the Spring Festival week", () => {
    const friday = local("2026-02-13T10:00:00");
    // 1 working day: the make-up Saturday; 2: Tuesday 24 after the nine days off
    expect(addDuration(friday, { workingDays: 1 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-02-14T10:00:00"),
    );
    expect(addDuration(friday, { workingDays: 2 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-02-24T10:00:00"),
    );
  });

  it("a five-working-day deadline over the National Day week", () => {
    const wednesday = local("2026-09-30T11:00:00");
    // 8, 9, 10 (make-up Sat), 12, 13 October
    expect(addDuration(wednesday, { workingDays: 5 }, calendar, EIGHT_HOURS)).toEqual(
      local("2026-10-13T11:00:00"),
    );
  });

  it("npm run cli -- calendar 2026-02: 28 days, 16 working (with the make-up Saturdays)", () => {
    const days = monthDays(calendar, "2026-02");
    expect(days).toHaveLength(28);
    expect(days.filter((d) => d.working)).toHaveLength(16);
    expect(() => monthDays(calendar, "2026-13")).toThrow();
  });
});

describe("a year whose arrangement is not published yet: the statutory holidays", () => {
  it("the lunar table is what chinese-days' lunar calendar and solar terms give (scripts/lunar-dates.ts)", () => {
    expect(lunarFile).toEqual(lunarDates());
  });

  it("in 2025 and 2026 every statutory day and make-up day is a day off of the published arrangement", () => {
    const noOfficial = createCalendar({ calendar: { ...OFFICIAL, official: false } });
    for (const year of [2025, 2026]) {
      const days = statutoryHolidays(year);
      expect(days.size, String(year)).toBeGreaterThanOrEqual(13);
      for (const [date, name] of days) {
        expect(calendar.describe(date).working, `${date} ${name}`).toBe(false);
        // …and a statutory day is never a Saturday or Sunday counted twice: the make-up lands on a weekday.
        if (name.startsWith("补休")) expect(noOfficial.describe(date).kind, date).toBe("workday");
      }
    }
  });

  it("2027: 元旦 on a Friday, 春节 from 除夕 (5–8 February), 劳动节 on a weekend made up on 3–4 May", () => {
    expect(calendar.covers("2027-01-01")).toBe(false);
    expect(calendar.describe("2027-01-01")).toMatchObject({
      working: false,
      kind: "holiday",
      name: "元旦（法定）",
    });
    for (const d of ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"])
      expect(calendar.describe(d), d).toMatchObject({ working: false, name: "春节（法定）" });
    // 6 and 7 February are a Saturday and a Sunday: made up on Tuesday 9 and Wednesday 10.
    expect(calendar.describe("2027-02-09")).toMatchObject({ working: false, name: "补休（法定）" });
    expect(calendar.describe("2027-02-10")).toMatchObject({ working: false, name: "补休（法定）" });
    expect(calendar.isWorkingDay("2027-02-11")).toBe(true);
    expect(calendar.describe("2027-05-03")).toMatchObject({ working: false, name: "补休（法定）" });
    expect(calendar.describe("2027-05-04")).toMatchObject({ working: false, name: "补休（法定）" });
    expect(calendar.isWorkingDay("2027-05-05")).toBe(true);
    // A five-working-day deadline from Thursday 31 December 2026 skips 1 January and the weekend.
    expect(addDuration(local("2026-12-31T10:00:00"), { workingDays: 5 }, calendar, EIGHT_HOURS)).toEqual(
      local("2027-01-08T10:00:00"),
    );
  });

  it("a year added to the configuration replaces the statutory guess, and official: false turns it off", () => {
    const published = createCalendar({
      calendar: { ...OFFICIAL, years: [{ year: 2027, holidays: ["2027-01-02"], makeupWorkdays: [] }] },
    });
    expect(published.isWorkingDay("2027-01-01")).toBe(true); // not in this (made-up) arrangement
    expect(published.isWorkingDay("2027-02-09")).toBe(true);
    const own = createCalendar({ calendar: { ...OFFICIAL, official: false } });
    expect(own.isWorkingDay("2027-01-01")).toBe(true);
    expect(statutoryHolidays(2099).size).toBe(0);
  });
});

describe("configuration adds years and closures as data", () => {
  it("a later year's published calendar and a city closure count", () => {
    const cal = createCalendar({
      calendar: {
        ...OFFICIAL,
        years: [{ year: 2099, holidays: ["2099-01-01"], makeupWorkdays: ["2099-01-03"] }],
        closures: [{ date: "2026-07-15", name: "台风停工" }],
      },
    });
    expect(cal.isWorkingDay("2099-01-01")).toBe(false);
    expect(cal.isWorkingDay("2099-01-03")).toBe(true); // a Saturday
    expect(cal.describe("2026-07-15")).toEqual({
      date: "2026-07-15",
      working: false,
      kind: "closure",
      name: "台风停工",
    });
    expect(cal.covers("2099-06-01")).toBe(true);
  });

  it("start-up warns when the next 60 days are not covered, and not when they are", () => {
    expect(calendarWarning(calendar, local("2026-06-01T09:00:00"), EIGHT_HOURS)).toBeNull();
    const late = local("2026-12-01T09:00:00");
    expect(uncoveredDays(calendar, late, EIGHT_HOURS)[0]).toBe("2027-01-01");
    expect(calendarWarning(calendar, late, EIGHT_HOURS)).toContain("calendar.years");
    const withNext = createCalendar({
      calendar: { ...OFFICIAL, years: [{ year: 2027, holidays: ["2027-01-01"], makeupWorkdays: [] }] },
    });
    expect(calendarWarning(withNext, late, EIGHT_HOURS)).toBeNull();
  });
});

describe("the deadline policy: accept and resolve, verification by category", () => {
  const config = {
    city: { id: "t", name: "t", timezoneOffsetMinutes: EIGHT_HOURS },
    calendar: OFFICIAL,
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
      {
        id: "wages",
        name: "wages",
        kind: "event",
        keywords: [],
        verification: "both",
        acceptDeadline: { hours: 2 },
      },
      { id: "wages-late", name: "late", kind: "event", keywords: [], parent: "wages" },
      { id: "other", name: "other", kind: "event", keywords: [] },
    ],
  } satisfies Pick<CityConfig, "city" | "calendar" | "deadlines" | "categories">;
  const policy = createDeadlinePolicy(
    config as Pick<CityConfig, "city" | "calendar" | "deadlines" | "categories">,
  );

  it("accept deadlines by urgency and category, never after the resolve deadline", () => {
    const friday = local("2026-02-13T10:00:00");
    expect(policy.acceptDueAt(friday, "normal", "other")).toBe(local("2026-02-14T10:00:00").toISOString());
    expect(policy.acceptDueAt(friday, "normal", "wages-late")).toBe(
      local("2026-02-13T12:00:00").toISOString(),
    );
    expect(policy.acceptDueAt(friday, "urgent", "other")).toBe(local("2026-02-13T11:00:00").toISOString());
    const d = policy.deadlines(friday, "high", "other");
    expect(Date.parse(d.acceptDueAt!)).toBeLessThanOrEqual(Date.parse(d.dueAt!));
  });

  it("verification mode is inherited from the parent category; default the dispatcher", () => {
    expect(policy.verification("wages-late")).toBe("both");
    expect(policy.verification("other")).toBe("dispatcher");
    expect(policy.verification(null)).toBe("dispatcher");
  });
});
