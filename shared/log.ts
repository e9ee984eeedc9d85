/** JSON logs, one line per event. Personal data (phones, names) is masked before it is written. */
import { maskKnownNames, maskNamesInText, maskText } from "./privacy/mask.js";

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 7) return "****";
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? "*" : `${chars[0]}${"*".repeat(chars.length - 1)}`;
}

const SENSITIVE_KEYS = new Set([
  "phone",
  "name",
  "reportername",
  "reporterphone",
  "authorization",
  "x-api-key",
  "apikey",
  "key",
  "leasetoken",
  "lease",
  "receipthandle",
  "token",
  "secret",
  "idcard",
]);

/**
 * Secrets by their shape, wherever they appear in text: API keys (`cri_<role>_…`), lease tokens (`l1.…`) and
 * any other long opaque run (an SQS receipt handle inside an error message).
 */
const SECRET_IN_TEXT = /cri_[a-z-]{2,4}_[\w-]{16,}|l1\.[\w-]{16,}|[A-Za-z0-9+/=_-]{80,}/g;

function redactText(s: string, names: readonly string[]): string {
  return maskNamesInText(maskKnownNames(maskText(s.replace(SECRET_IN_TEXT, "[secret]")), names));
}

/** The values of every `name`-like field in `value` (so the same name is masked where it appears in text). */
function namesIn(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 8 || !value || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value)) {
    const key = k.toLowerCase();
    if ((key === "name" || key === "reportername") && typeof v === "string" && v.trim()) out.push(v.trim());
    else namesIn(v, out, depth + 1);
  }
  return out;
}

/** Deep copy of `value` with sensitive fields, secrets, phone numbers, ID-card numbers and names masked. */
export function redact(value: unknown, depth = 0, names: readonly string[] = namesIn(value)): unknown {
  if (depth > 8) return "[…]";
  if (typeof value === "string") return redactText(value, names);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, names));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = k.toLowerCase();
      if (SENSITIVE_KEYS.has(key) && typeof v === "string") {
        out[k] =
          key === "phone" || key === "reporterphone" ? maskPhone(v) : key === "name" ? maskName(v) : "***";
      } else {
        out[k] = redact(v, depth + 1, names);
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
