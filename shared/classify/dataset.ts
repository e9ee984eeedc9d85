import { seededRandom } from "./random.js";
import type { TrainingRow } from "./types.js";

/** A problem with the input data, with a message fit for a command-line user. */
export class DataError extends Error {
  override name = "DataError";
}

/** Parses CSV (RFC 4180: quoted fields may hold commas, quotes as "" and newlines; CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let fieldStarted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === "") {
      quoted = true;
      fieldStarted = true;
    } else if (ch === ",") {
      row.push(field);
      field = "";
      fieldStarted = true;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      fieldStarted = false;
    } else {
      field += ch;
      fieldStarted = true;
    }
    i++;
  }
  if (quoted) throw new DataError("CSV: a quoted field is not closed");
  if (fieldStarted || field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** Labelled rows from CSV text with a header naming `text` and `label` columns (other columns ignored). */
export function parseLabelledCsv(text: string): TrainingRow[] {
  const rows = parseCsv(text);
  const header = rows[0];
  if (!header) throw new DataError("CSV: the file is empty");
  const names = header.map((h) => h.trim().toLowerCase());
  const textCol = names.indexOf("text");
  const labelCol = names.indexOf("label");
  const missing = [textCol < 0 ? "text" : "", labelCol < 0 ? "label" : ""].filter(Boolean);
  if (missing.length > 0)
    throw new DataError(`CSV: header has no ${missing.map((m) => `"${m}"`).join(" or ")} column`);
  return rows.slice(1).map((r, k) => {
    const line = k + 2;
    if (r.length <= Math.max(textCol, labelCol)) throw new DataError(`CSV row ${line}: missing fields`);
    const label = (r[labelCol] ?? "").trim();
    if (!label) throw new DataError(`CSV row ${line}: empty "label"`);
    return { text: r[textCol] ?? "", label };
  });
}

/** Labelled rows from JSON Lines: one object per line with string fields `text` and `label`. */
export function parseLabelledJsonl(text: string): TrainingRow[] {
  const out: TrainingRow[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, k) => {
    if (!line.trim()) return;
    const where = `JSONL line ${k + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DataError(`${where}: not valid JSON`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new DataError(`${where}: not a JSON object`);
    const { text: t, label } = value as Record<string, unknown>;
    if (typeof t !== "string") throw new DataError(`${where}: missing string field "text"`);
    if (typeof label !== "string" || !label.trim())
      throw new DataError(`${where}: missing string field "label"`);
    out.push({ text: t, label: label.trim() });
  });
  return out;
}

/** Parses labelled data; the format follows the file name (.csv → CSV) or, failing that, the first character. */
export function parseLabelledData(text: string, fileName = ""): TrainingRow[] {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".csv")) return parseLabelledCsv(text);
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json"))
    return parseLabelledJsonl(text);
  return text.trimStart().startsWith("{") ? parseLabelledJsonl(text) : parseLabelledCsv(text);
}

/**
 * Short examples of their own from the titles of longer messages: a raw message's first line ("标题\n正文"), or
 * the first `tokens` words of a pre-cut one (the contest's pre-cut messages start with their title). Residents
 * in a chat write about as much as a title, so the learner sees the short form too. Messages that are no
 * longer than their title add nothing.
 */
export function titleExamples(rows: readonly TrainingRow[], tokens = 8): TrainingRow[] {
  const out: TrainingRow[] = [];
  for (const row of rows) {
    const text = row.text.trim();
    const newline = text.indexOf("\n");
    let title: string;
    if (newline > 0) title = text.slice(0, newline).trim();
    else {
      const words = text.split(/\s+/);
      if (words.length <= tokens) continue;
      title = words.slice(0, tokens).join(" ");
    }
    if (title && title !== text) out.push({ text: title, label: row.label });
  }
  return out;
}

// Letter-frame words of formal messages (as pre-cut tokens): addressing and thanks, no topic.
const FRAME_TOKEN =
  /^(尊敬|领导|您好|你好|谢谢|感谢|恳请|此致|敬礼|各位|书记|市长|县长|局长|主任|厅长|州长|区长)$/;

/**
 * A domain-mixing augmentation: each formal message once more as a short message in the length range of chat
 * reports — its letter frame (尊敬的领导, 您好, 谢谢) removed and cut after a seeded random length of `min`–`max`
 * characters (title first, as residents write the matter first). Messages shorter than 6 characters after
 * that add nothing. Deterministic for a seed.
 */
export function shortExamples(
  rows: readonly TrainingRow[],
  options: { min?: number; max?: number; seed?: number } = {},
): TrainingRow[] {
  const min = options.min ?? 15;
  const max = Math.max(min, options.max ?? 80);
  const random = seededRandom(options.seed ?? 7);
  const out: TrainingRow[] = [];
  for (const row of rows) {
    const tokens = row.text.split(/\s+/).filter((t) => t && !FRAME_TOKEN.test(t));
    const want = min + Math.floor(random() * (max - min + 1));
    let text = "";
    for (const t of tokens) {
      if (text.length >= want) break;
      text += t;
    }
    text = text.slice(0, max);
    if (text.length >= 6 && text !== row.text.trim()) out.push({ text, label: row.label });
  }
  return out;
}
