import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalisePhone } from "../../../shared/domain/phone.js";
import { normaliseText, printable, text, textProblem } from "../../../shared/domain/text.js";

const field = text(200);
const multi = text(5000, { multiline: true });

describe("the shared text rule", () => {
  it("normalises to NFC and LF line breaks, and flattens single-line fields", () => {
    expect(field.parse("cafe\u0301")).toBe("café");
    expect(multi.parse(" 第一行\r\n第二行\r第三行\t完 ")).toBe("第一行\n第二行\n第三行\t完");
    expect(field.parse("标题\n第二行")).toBe("标题 第二行");
  });

  it.each([
    ["NUL", "a\u0000b", "U+0000"],
    ["a terminal escape", "\u001b[2J\u001b[31m红色", "U+001B"],
    ["C1 CSI", "a\u009b31m", "U+009B"],
    ["DEL", "a\u007f", "U+007F"],
    ["a right-to-left override", "invoice\u202Efdp.exe", "U+202E"],
    ["an isolate", "a\u2066b\u2069", "U+2066"],
  ])("refuses %s naming the character", (_name, value, code) => {
    const r = field.safeParse(value);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain(code);
  });

  it("refuses zero-width-only text and lone surrogates", () => {
    expect(field.safeParse("\u200b\u200c\u200d\ufeff").success).toBe(false);
    expect(field.safeParse("\ud800abc").success).toBe(false);
    expect(field.safeParse("abc\udc00").success).toBe(false);
    expect(field.parse("表情😀")).toBe("表情😀"); // a well-formed pair is fine
  });

  it("whatever it accepts has no control, bidi or lone-surrogate character and is NFC", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
        const r = multi.safeParse(s);
        if (!r.success) return;
        expect(textProblem(r.data)).toBeNull();
        expect(r.data.normalize("NFC")).toBe(r.data);
        expect(normaliseText(r.data, true)).toBe(r.data);
      }),
      { numRuns: 500 },
    );
  });

  it("printable() leaves no escape character for a terminal and keeps JSON valid", () => {
    const hostile = "\u001b]0;pwned\u0007\u001b[31m红\u009b0m\u202e";
    const shown = printable(hostile);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that no control character is left
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(JSON.parse(printable(JSON.stringify({ t: hostile }))).t).toBe(hostile);
  });
});

describe("phone numbers", () => {
  it.each([
    ["13812345678", "13812345678"],
    ["+86 138-1234-5678", "13812345678"],
    ["008613812345678", "13812345678"],
    ["8613812345678", "13812345678"],
    ["0571-87654321", "057187654321"],
    ["(010) 6512 3456", "01065123456"],
    ["+86 571 87654321", "057187654321"],
    ["+1 415 555 2671", "+14155552671"],
    ["0044 20 7946 0958", "+442079460958"],
  ])("accepts %s as %s", (raw, stored) => {
    expect(normalisePhone(raw)).toBe(stored);
  });

  it.each([
    "00000",
    "+00000000000000000000",
    "12345",
    "1381234567",
    "11012345678",
    "87654321",
    "+1234567",
    "+12345678901234567",
    "+86 12345",
    "abc",
    "",
  ])("refuses %s", (raw) => {
    expect(normalisePhone(raw)).toBeNull();
  });
});
