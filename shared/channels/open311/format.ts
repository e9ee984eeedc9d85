import { XMLBuilder } from "fast-xml-parser";

/** GeoReport v2 formats: XML (required by the spec, what real clients use) and JSON. */
export type Open311Format = "xml" | "json";

export const CONTENT_TYPE: Record<Open311Format, string> = {
  xml: "text/xml; charset=utf-8",
  json: "application/json; charset=utf-8",
};

const builder = new XMLBuilder({ format: true, suppressEmptyNode: true, ignoreAttributes: false });

/**
 * One response document: XML `<root><item>…</item>…</root>` with the declaration the spec asks for, or JSON as
 * the spec's "Spark convention" maps it (the root's list becomes a top-level array; a single object stays one).
 */
export function render(
  format: Open311Format,
  root: string,
  body: { item: string; list: Record<string, unknown>[] } | Record<string, unknown>,
): string {
  if (format === "json") {
    return JSON.stringify(
      "item" in body && Array.isArray(body.list) ? body.list.map(jsonValues) : jsonValues(body),
    );
  }
  const content =
    "item" in body && Array.isArray(body.list)
      ? { [body.item as string]: body.list.map(xmlValues) }
      : xmlValues(body);
  return `<?xml version="1.0" encoding="utf-8"?>\n${builder.build({ [root]: content })}`;
}

/** XML: null/undefined become empty elements (`<account_id/>`), nested lists keep their element names. */
function xmlValues(value: unknown): unknown {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(xmlValues);
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, xmlValues(v)]),
    );
  }
  return value;
}

/** JSON: wrapper elements (`attributes: {attribute: [...]}`) collapse to arrays, absent values are null. */
function jsonValues(value: unknown): unknown {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(jsonValues);
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only && Array.isArray(only[1]) && WRAPPED.has(only[0])) return only[1].map(jsonValues);
    return Object.fromEntries(entries.map(([k, v]) => [k, jsonValues(v)]));
  }
  return value;
}

/** Child element names that the XML wraps in a plural parent and JSON writes as a plain array. */
const WRAPPED = new Set(["attribute", "value", "endpoint", "format"]);

/** An Open311 error: HTTP status and the spec's `{code, description}`. */
export class Open311Error extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 429,
    readonly description: string,
  ) {
    super(description);
    this.name = "Open311Error";
  }
}

/** The spec's error document: `<errors><error><code/><description/></error></errors>` or its JSON array. */
export function renderErrors(format: Open311Format, errors: { code: number; description: string }[]): string {
  return render(format, "errors", { item: "error", list: errors });
}

/** An ISO 8601 (w3) datetime with the city's offset, e.g. 2026-12-01T21:36:07+08:00. */
export function cityDateTime(iso: string | null | undefined, offsetMinutes: number): string | null {
  if (!iso) return null;
  const local = new Date(Date.parse(iso) + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${local}${sign}${hh}:${mm}`;
}
