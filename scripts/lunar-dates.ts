/**
 * Writes shared/closure/lunar-dates.json: per year, the solar dates of the statutory holidays that follow the
 * lunar calendar or the solar terms (除夕, 清明, 端午, 中秋), from the maintained package `chinese-days`. The
 * working-day calendar (shared/closure/calendar.ts) uses them for a year whose official arrangement is not
 * published yet, without loading a lunar calendar at every cold start. test/shared/closure/calendar.test.ts
 * checks the file against this generator.
 *
 *   npx tsx scripts/lunar-dates.ts        # rewrite the file (only needed to extend LAST_YEAR)
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import chineseDays from "chinese-days";
import { addDays, type LunarDates } from "../shared/closure/calendar.js";

export const FIRST_YEAR = 2025;
export const LAST_YEAR = 2060;

export function lunarDates(from = FIRST_YEAR, to = LAST_YEAR): Record<string, LunarDates> {
  const out: Record<string, LunarDates> = {};
  for (let year = from; year <= to; year++) {
    const qingming = chineseDays
      .getSolarTerms(`${year}-04-01`, `${year}-04-10`)
      .find((t) => t.name === "清明");
    if (!qingming) throw new Error(`no 清明 in April ${year}`);
    out[year] = {
      chuxi: addDays(chineseDays.getSolarDateFromLunar(`${year}-01-01`).date, -1),
      qingming: qingming.date,
      duanwu: chineseDays.getSolarDateFromLunar(`${year}-05-05`).date,
      zhongqiu: chineseDays.getSolarDateFromLunar(`${year}-08-15`).date,
    };
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = fileURLToPath(new URL("../shared/closure/lunar-dates.json", import.meta.url));
  writeFileSync(file, `${JSON.stringify(lunarDates(), null, 2)}\n`);
  console.log(`wrote ${file} (${FIRST_YEAR}–${LAST_YEAR})`);
}
