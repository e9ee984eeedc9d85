/** JSON logs, one line per event. Personal data (phones, names) is masked before it is written. */

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 7) return "****";
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? "*" : `${chars[0]}${"*".repeat(chars.length - 1)}`;
}

/** A mainland mobile in free text: optional +86 / 86, digits possibly grouped by spaces or dashes. */
const PHONE_IN_TEXT = /(?<!\d)(?:\+?86[\s-]?)?(1\d{2})[\s-]?\d{4}[\s-]?(\d{4})(?!\d)/g;
const SENSITIVE_KEYS = new Set([
  "phone",
  "name",
  "reportername",
  "reporterphone",
  "authorization",
  "x-api-key",
]);

/** Deep copy of `value` with sensitive fields and phone-like digit runs masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[…]";
  if (typeof value === "string") return value.replace(PHONE_IN_TEXT, "$1****$2");
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = k.toLowerCase();
      if (SENSITIVE_KEYS.has(key) && typeof v === "string") {
        out[k] =
          key === "phone" || key === "reporterphone" ? maskPhone(v) : key === "name" ? maskName(v) : "***";
      } else {
        out[k] = redact(v, depth + 1);
      }
    }
    return out;
  }
  return value;
}

export type LogLevel = "debug" | "info" | "warn" | "error";
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  base: Record<string, unknown> = {},
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  minLevel: LogLevel = "info",
): Logger {
  const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
  return {
    log(level, msg, fields) {
      if (order[level] < order[minLevel]) return;
      const record = redact({ level, time: new Date().toISOString(), msg, ...base, ...fields });
      write(JSON.stringify(record));
    },
    child(fields) {
      return createLogger({ ...base, ...fields }, write, minLevel);
    },
  };
}

export const silentLogger: Logger = { log() {}, child: () => silentLogger };

export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.name, errorMessage: err.message };
  return { error: String(err) };
}
