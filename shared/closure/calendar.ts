import official from "chinese-days/dist/chinese-days.json" with { type: "json" };
import type { CityConfig } from "../config/schema.js";
import lunar from "./lunar-dates.json" with { type: "json" };

/**
 * The working-day calendar the deadlines count in (DESIGN.md §2 办理时限): the official Chinese calendar of the
 * State Council — weekends, every public holiday and every make-up working day (调休) — from the maintained npm
 * package `chinese-days` (its data file, one entry per day), plus what the configuration adds as data: a year
 * published after the package's release (`calendar.years`), and the city's own closures and extra days.
 * A year that neither covers (the State Council publishes the next year's arrangement in November or December)
 * still gets its statutory holidays: see {@link statutoryHolidays}.
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

/** One year's dates of the statutory holidays that follow the lunar calendar or the solar terms (lunar-dates.json). */
export interface LunarDates {
  /** 除夕: the day before the first day of the first lunar month. */
  chuxi: string;
  /** 清明: the day of the solar term. */
  qingming: string;
  /** 端午: the fifth day of the fifth lunar month. */
  duanwu: string;
  /** 中秋: the fifteenth day of the eighth lunar month. */
  zhongqiu: string;
}

const LUNAR = lunar as Record<string, LunarDates>;

/** The calendar day `days` after (or before) a YYYY-MM-DD date. */
export const addDays = (date: string, days: number) =>
  new Date(new Date(`${date}T00:00:00Z`).getTime() + days * 86_400_000).toISOString().slice(0, 10);
const isWeekend = (date: string) => {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return dow === 0 || dow === 6;
};

/**
 * The days off that the law fixes for a year before its arrangement is published (全国年节及纪念日放假办法, as
 * amended in 2024, in force from 2025: 13 days): 元旦 1 January; 春节 除夕 and the first three days of the
 * first lunar month; 清明 the day of the solar term; 劳动节 1–2 May; 端午 and 中秋 one day each; 国庆节 1–3
 * October. A statutory day that falls on a Saturday or a Sunday is made up on a working day (its art. 6): here
 * the next weekday that is not itself statutory, which is where the State Council has put it in 2025 and 2026.
 * What only the published arrangement says — the bridging days (调休) and the Saturdays worked for them — is not
 * guessed. Empty for a year the lunar table (lunar-dates.json, 2025–2060) does not hold.
 */
export function statutoryHolidays(year: number): Map<string, string> {
  const l = LUNAR[year];
  const days = new Map<string, string>();
  if (!l) return days;
  const y = String(year);
  const add = (date: string, name: string) => days.set(date, `${name}（法定）`);
  add(`${y}-01-01`, "元旦");
  for (let i = 0; i < 4; i++) add(addDays(l.chuxi, i), "春节");
  add(l.qingming, "清明");
  add(`${y}-05-01`, "劳动节");
  add(`${y}-05-02`, "劳动节");
  add(l.duanwu, "端午");
  add(l.zhongqiu, "中秋");
  for (const d of ["10-01", "10-02", "10-03"]) add(`${y}-${d}`, "国庆节");
  // Make-up days (补休) for those on a weekend, in date order, each on the next free weekday.
  for (const date of [...days.keys()].filter(isWeekend).sort()) {
    let d = addDays(date, 1);
    while (isWeekend(d) || days.has(d)) d = addDays(d, 1);
    days.set(d, "补休（法定）");
  }
  return days;
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
  // A year neither the package nor the configuration covers gets its statutory days (with the official data
  // only), worked out on the first question about that year, not at every cold start.
  const statutory = new Map<number, Map<string, string>>();
  const statutoryName = (date: string): string | undefined => {
    const year = Number(date.slice(0, 4));
    if (!useOfficial || years.has(year)) return undefined;
    let days = statutory.get(year);
    if (!days) {
      days = statutoryHolidays(year);
      statutory.set(year, days);
    }
    return days.get(date);
  };

  const describe = (date: string): DayInfo => {
    const closure = closures.get(date);
    if (closure !== undefined) return { date, working: false, kind: "closure", name: closure };
    const m = makeup.get(date);
    if (m !== undefined) return { date, working: true, kind: "makeup", name: m };
    const h = holidays.get(date) ?? statutoryName(date);
    if (h !== undefined) return { date, working: false, kind: "holiday", name: h };
    return isWeekend(date)
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
 * because working-day deadlines there know only the statutory holidays ({@link statutoryHolidays}), not the 调休.
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
    `节假日日历未覆盖 ${gaps[0]} 起的日期（${years} 年）：请在配置 calendar.years 中加入国务院公布的安排，` +
    "在此之前工作日时限只扣除法定节假日及补休，不含调休 / " +
    `the holiday calendar does not cover ${gaps[0]} onwards (${years}): add the State Council's published ` +
    "calendar to calendar.years in the configuration; until then working-day deadlines there skip only the " +
    "statutory holidays (法定节假日及补休), not the bridging days of the arrangement (调休)"
  );
}
