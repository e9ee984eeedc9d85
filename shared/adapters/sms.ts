import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { maskPhone } from "../log.js";
import type { SmsNotifier } from "../ports.js";

/** One line of the local SMS outbox. The number is masked: the file is a log, not a phone book. */
export interface OutboxEntry {
  at: string;
  to: string;
  ticketNo: string;
  kind: string;
  text: string;
}

/** The local stand-in for SMS: appends each message to a JSON-lines file (`npm run cli -- outbox` prints it). */
export class FileSmsOutbox implements SmsNotifier {
  constructor(readonly file: string) {}

  async send(phone: string, text: string, meta: { ticketNo: string; kind: string }): Promise<void> {
    mkdirSync(dirname(this.file), { recursive: true });
    const entry: OutboxEntry = { at: new Date().toISOString(), to: maskPhone(phone), ...meta, text };
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }
}

export function readOutbox(file: string): OutboxEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as OutboxEntry);
}
