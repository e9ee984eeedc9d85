import * as z from "zod/mini";
import "../zod.js";

/**
 * Phone numbers as people really have them, in one stored form each:
 *   mainland mobile   1[3-9]xxxxxxxxx (11 digits; +86 / 0086 / 86 prefixes dropped)
 *   mainland landline 0 + area code (2–3 digits) + 7–8 digits, e.g. 057187654321 (+86 571… becomes 0571…)
 *   other countries   +<country code 1-9…><number>, 8–15 digits in all (E.164); 00 as prefix becomes +
 * Spaces, dashes, dots and brackets are ignored. Anything else (00000, +00000000000000000000, 12345) is refused.
 */
const MOBILE = /^1[3-9]\d{9}$/;
const LANDLINE = /^0[1-9]\d{1,2}[2-9]\d{6,7}$/;
const E164 = /^\+[1-9]\d{7,14}$/;

export function normalisePhone(raw: string): string | null {
  let s = raw.trim().replace(/[\s\-.()（）]/g, "");
  if (s.startsWith("00")) s = `+${s.slice(2)}`;
  if (/^86(1\d{10})$/.test(s)) s = `+${s}`;
  if (s.startsWith("+86")) {
    const national = s.slice(3);
    if (MOBILE.test(national)) return national;
    if (LANDLINE.test(`0${national}`)) return `0${national}`;
    return null;
  }
  if (MOBILE.test(s) || LANDLINE.test(s)) return s;
  if (E164.test(s)) return s;
  return null;
}

export const Phone = /* @__PURE__ */ (() =>
  z.pipe(
    z.string(),
    // zod/mini's transform gets the parse payload itself (classic's added `addIssue` to it): the issue goes
    // straight onto its list.
    z.transform((s: string, payload) => {
      const phone = normalisePhone(s);
      if (phone) return phone;
      payload.issues.push({
        code: "custom",
        input: s,
        message:
          "电话号码格式不正确（手机、带区号的固话或 +国家码号码）/ not a phone number (mobile, landline with area code, or +country number)",
      });
      return z.NEVER;
    }),
  ))();
