import * as z from "zod/mini";
import "../zod.js";

/**
 * The one rule for text a person typed (titles, descriptions, names, addresses, notes, reasons): NFC; line
 * breaks as "\n"; no control characters (C0 except tab and line feed, DEL, C1 — which covers terminal escape
 * sequences, ESC and CSI); no bidirectional embeddings, overrides or isolates (U+202A–202E, U+2066–2069) that
 * make text display differently from what it says; no lone surrogates; and at least one visible character (a
 * zero-width-only string is empty). Refused, not silently stripped: the sender learns which character it was.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/u;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/u;
const INVISIBLE = /[\s\u200B-\u200D\u2060\uFEFF\u00AD\u180E\u3164\u115F\u1160]/gu;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/** Why `s` is not acceptable text, or null. `s` is already normalised (see normaliseText). */
export function textProblem(s: string): string | null {
  if (!wellFormed(s)) return "含有不成对的代理字符 / contains a lone surrogate";
  const control = CONTROL.exec(s);
  if (control)
    return `含有控制字符 ${codePoint(control[0])} / contains control character ${codePoint(control[0])}`;
  const bidi = BIDI.exec(s);
  if (bidi) return `含有双向文字控制符 ${codePoint(bidi[0])} / contains bidi control ${codePoint(bidi[0])}`;
  if (s.length > 0 && s.replace(INVISIBLE, "") === "") return "没有可见文字 / has no visible characters";
  return null;
}

/** NFC, CRLF/CR → LF; single-line text also turns tabs and line breaks into spaces. Then trimmed. */
export function normaliseText(s: string, multiline: boolean): string {
  const lines = s.replace(/\r\n?/g, "\n");
  const flat = multiline ? lines : lines.replace(/[\t\n]+/g, " ");
  // A lone surrogate cannot be normalised; leave it for textProblem to name.
  return (wellFormed(flat) ? flat.normalize("NFC") : flat).trim();
}

/** A zod string field under the shared rule: 1–`max` characters after normalising. */
export function text(max: number, opts: { multiline?: boolean } = {}) {
  return z.pipe(
    z
      .pipe(
        z.string(),
        z.transform((s: string) => normaliseText(s, opts.multiline ?? false)),
      )
      .check(
        z.superRefine((s, ctx) => {
          const problem = textProblem(s);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        }),
      ),
    z.string().check(z.minLength(1), z.maxLength(max)),
  );
}

/**
 * The printable form of text for a terminal: control and bidi characters (and lone surrogates) shown as \uXXXX,
 * which is also a valid escape inside a JSON string, so JSON output stays JSON.
 */
export function printable(s: string): string {
  return s.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDFFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
