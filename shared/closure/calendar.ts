import official from "chinese-days/dist/chinese-days.json" with { type: "json" };
import type { CityConfig } from "../config/schema.js";

/**
 * The working-day calendar the deadlines count in (DESIGN.md §2 办理时限): the official Chinese calendar of the
 * State Council — weekends, every public holiday and every make-up working day (调休) — from the maintained npm
 * package `chinese-days` (its data file, one entry per day), plus what the configuration adds as data: a year
 * published after the package's release (`calendar.years`), and the city's own closures and extra days.
 */
export interface Calendar {
  /** True when the local calendar day (YYYY-MM-DD) is a working day. */
  isWorkingDay(localDate: string): boolean;
  /** What kind of day it is and why, for `npm run cli -- calendar`. */
  describe(localDate: string): DayInfo;
  /** True when the official data or the configuration covers the year of `localDate`. */
  covers(localDate: string): boolean;
}

export interface DayInfo {
  date: string;
  working: boolean;
  kind: "workday" | "weekend" | "holiday" | "makeup" | "closure";
  name?: string;
}

type CalendarConfig = Pick<CityConfig, "calendar">;

const OFFICIAL = official as { holidays: Record<string, string>; workdays: Record<string, string> };

/** The Chinese name in a `chinese-days` entry ("Spring Festival,春节,4" → "春节"). */
function nameOf(entry: string | undefined): string | undefined {
  return entry?.split(",")[1] ?? entry;
}

/** Years that `chinese-days` publishes (any holiday entry in that year). */
function officialYears(): Set<number> {
  const years = new Set<number>();
  for (const d of Object.keys(OFFICIAL.holidays)) years.add(Number(d.slice(0, 4)));
  return years;
}

export function createCalendar(config: CalendarConfig): Calendar {
  const cal = config.calendar;
  const useOfficial = cal.official !== false;
  const holidays = new Map<string, string>();
  const makeup = new Map<string, string>();
  const closures = new Map<string, string>();
  const years = new Set<number>(useOfficial ? officialYears() : []);
  if (useOfficial) {
    for (const [d, v] of Object.entries(OFFICIAL.holidays)) holidays.set(d, nameOf(v) ?? "节假日");
    for (const [d, v] of Object.entries(OFFICIAL.workdays)) makeup.set(d, nameOf(v) ?? "调休");
  }
  for (const y of cal.years ?? []) {
    years.add(y.year);
    for (const d of y.holidays) {
      holidays.set(d, "节假日");
      makeup.delete(d);
    }
    for (const d of y.makeupWorkdays) makeup.set(d, "调休");
  }
  for (const d of cal.holidays ?? []) holidays.set(d, "节假日");
  for (const d of cal.makeupWorkdays ?? []) makeup.set(d, "调休");
  for (const c of cal.closures ?? []) closures.set(c.date, c.name);

  const describe = (date: string): DayInfo => {
    const closure = closures.get(date);
    if (closure !== undefined) return { date, working: false, kind: "closure", name: closure };
    const m = makeup.get(date);
    if (m !== undefined) return { date, working: true, kind: "makeup", name: m };
    const h = holidays.get(date);
    if (h !== undefined) return { date, working: false, kind: "holiday", name: h };
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    return dow === 0 || dow === 6
      ? { date, working: false, kind: "weekend" }
      : { date, working: true, kind: "workday" };
  };
  return {
    describe,
    isWorkingDay: (date) => describe(date).working,
    covers: (date) => years.has(Number(date.slice(0, 4))),
  };
}

/** The city's local calendar day (YYYY-MM-DD) of an instant. */
export function localDate(at: Date, offsetMinutes: number): string {
  return new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

/**
 * The days of the next `days` days (from `now`, city time) the calendar does not cover: start-up warns about them,
 * because working-day deadlines there would count every weekday as a working day.
 */
export function uncoveredDays(calendar: Calendar, now: Date, offsetMinutes: number, days = 60): string[] {
  const out: string[] = [];
  for (let i = 0; i <= days; i++) {
    const d = localDate(new Date(now.getTime() + i * 86_400_000), offsetMinutes);
    if (!calendar.covers(d)) out.push(d);
  }
  return out;
}

/** Every day of a month ("2026-02") as the deadlines see it. */
export function monthDays(calendar: Calendar, month: string): DayInfo[] {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new Error(`month must be YYYY-MM, got ${month}`);
  const out: DayInfo[] = [];
  const first = new Date(`${month}-01T00:00:00Z`);
  for (let d = first; d.getUTCMonth() === first.getUTCMonth(); d = new Date(d.getTime() + 86_400_000)) {
    out.push(calendar.describe(d.toISOString().slice(0, 10)));
  }
  return out;
}

/** The start-up warning when the calendar does not cover the next 60 days, or null. */
export function calendarWarning(calendar: Calendar, now: Date, offsetMinutes: number): string | null {
  const gaps = uncoveredDays(calendar, now, offsetMinutes, 60);
  if (!gaps.length) return null;
  const years = [...new Set(gaps.map((d) => d.slice(0, 4)))].join(", ");
  return (
    `节假日日历未覆盖 ${gaps[0]} 起的日期（${years} 年）：请在配置 calendar.years 中加入国务院公布的安排 / ` +
    `the holiday calendar does not cover ${gaps[0]} onwards (${years}): add the State Council's published ` +
    "calendar to calendar.years in the configuration, or working-day deadlines there count every weekday"
  );
}
