/**
 * Operations CLI.
 *   npm run cli -- keys create --role department --dept water [--label text]
 *   npm run cli -- keys create --role channel --channel wechat | --role grid-worker --grid <id>
 *   npm run cli -- inbox --dept water [--wait 5] [--max 10]
 *   npm run cli -- act <ticketId> accept|progress|resolve|return|assign|verify|reject [options]
 *   npm run cli -- show <ticketId>
 *   npm run cli -- sweep [--at <ISO time>]      one sweep of the local system as of a time (never against AWS)
 *   npm run cli -- calendar 2026-02             a month as the deadlines see it
 *   npm run cli -- outbox                       the SMS the local system recorded
 *   npm run cli -- keys list | keys revoke <hash-prefix|label>
 *   npm run cli -- dlq list | dlq redrive
 * Against the local system it reads .data/local-stack.json and .data/local-keys.json (written by npm start);
 * against AWS set TABLE_NAME / QUEUE_URL_BASE / QUEUE_PREFIX (keys) and API_URL / API_KEY (inbox, act).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { bundledConfig } from "../functions/lib/bundled-config.js";
import { createRuntime, settingsFromEnv } from "../functions/lib/runtime.js";
import type { AwsSettings } from "../shared/adapters/aws.js";
import { readOutbox } from "../shared/adapters/sms.js";
import { createCalendar, monthDays } from "../shared/closure/calendar.js";
import { sweepAll } from "../shared/closure/sweep.js";
import { gridIds } from "../shared/config/grid-ids.js";
import { DomainError } from "../shared/domain/errors.js";
import { printable } from "../shared/domain/text.js";
import { AUTH_CACHE_TTL_MS, issueApiKey, type PrincipalRole, revokeApiKey } from "../shared/services/auth.js";
import { listDeadLetters } from "../shared/services/dead-letters.js";
import { redriveDeadLetters } from "../shared/services/delivery.js";
import type { DemoKeys } from "./local/system.js";

const DATA_DIR = resolve(process.env.DATA_DIR ?? ".data");
const USAGE = `usage:
  cli keys create --role operator|dispatcher|department|channel|grid-worker
                  [--dept <id>] [--channel wechat|web|open311] [--grid <id>] [--label <text>]
  cli inbox --dept <id|triage> [--wait <0-20>] [--max <1-10>]
  cli act <ticketId> accept [--note t] [--lease tok]
  cli act <ticketId> progress --note <text>
  cli act <ticketId> resolve --result <text> [--lease tok]
  cli act <ticketId> return --reason <text> [--lease tok]
  cli act <ticketId> assign --dept <id> [--category <id>] [--note t]
  cli act <ticketId> verify --pass|--fail [--note t]
  cli act <ticketId> reject --reason <text>
  cli act <ticketId> extend --reason <text> --due <ISO time>       (department: 延期)
  cli act <ticketId> approve-extension|refuse-extension [--note t | --reason t]
  cli act <ticketId> confirm --pass|--fail [--note t]              (operator: the caller confirms)
  cli show <ticketId>
  cli sweep [--at <ISO time>]      supervision, callback expiry, re-delivery: local system only
  cli calendar <YYYY-MM>           working days, holidays and make-up days of a month
  cli outbox [--json]              the SMS the local system recorded (.data/sms-outbox.jsonl)
  cli keys list                          every key: hash prefix, principal, label, created, revoked
  cli keys revoke <hash-prefix|label>    refused at once by new processes; running ones within ${AUTH_CACHE_TTL_MS / 1000} s
  cli dlq list                           what waits in the dead-letter queues (nothing is consumed)
  cli dlq redrive                        offers every still-waiting ticket again (what the sweeper does)
options: --api <url> --key <api key> (default: API_URL / API_KEY, else the local demo files)`;

class CliError extends Error {}

/** Every line the CLI prints: stored text may hold escape codes, which must never reach the terminal as such. */
function say(value: unknown = ""): void {
  process.stdout.write(`${printable(String(value))}\n`);
}

function readJson<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : null;
}

function localKeys(): { apiUrl: string; keys: DemoKeys } | null {
  return readJson(resolve(DATA_DIR, "local-keys.json"));
}

function tableSettings(): AwsSettings {
  if (process.env.TABLE_NAME) return settingsFromEnv(process.env);
  const stack = readJson<AwsSettings>(resolve(DATA_DIR, "local-stack.json"));
  if (!stack)
    throw new CliError("no TABLE_NAME set and no local system found: start it with `npm start` first");
  return stack;
}

interface Api {
  url: string;
  key(role: "dispatcher" | "operator" | { dept: string }): string;
}

function api(values: { api?: string; key?: string }): Api {
  const local = localKeys();
  const url = values.api ?? process.env.API_URL ?? local?.apiUrl;
  if (!url)
    throw new CliError("no API URL: pass --api, set API_URL, or start the local system with `npm start`");
  return {
    url,
    key(role) {
      const explicit = values.key ?? process.env.API_KEY;
      if (explicit) return explicit;
      const k =
        typeof role === "string"
          ? local?.keys[role]
          : role.dept === "triage"
            ? local?.keys.dispatcher
            : local?.keys.departments[role.dept];
      if (!k) throw new CliError("no API key: pass --key or set API_KEY");
      return k;
    },
  };
}

async function request(a: Api, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${a.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, any>;
  if (!res.ok) {
    const e = json.error ?? {};
    throw new CliError(
      `HTTP ${res.status} ${e.code ?? ""}: ${e.message ?? ""}${e.field ? ` (field ${e.field})` : ""}`,
    );
  }
  return json;
}

function line(t: Record<string, any>): string {
  return `${t.ticketNo}  ${t.id}  [${t.status}] ${t.urgency ?? ""} due ${t.dueAt ?? "-"}  ${t.title}`;
}

// Node 20 is supported locally; the SDK's notice about its future Node 22 minimum is not for operators.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: "string" },
      dept: { type: "string" },
      channel: { type: "string" },
      grid: { type: "string" },
      label: { type: "string" },
      wait: { type: "string" },
      max: { type: "string" },
      note: { type: "string" },
      result: { type: "string" },
      reason: { type: "string" },
      lease: { type: "string" },
      category: { type: "string" },
      pass: { type: "boolean" },
      at: { type: "string" },
      due: { type: "string" },
      fail: { type: "boolean" },
      api: { type: "string" },
      key: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [cmd, sub, third] = positionals;
  if (values.help || !cmd) {
    say(USAGE);
    return;
  }

  if (cmd === "keys" && sub === "create") {
    const role = values.role as PrincipalRole | undefined;
    if (!role || !["operator", "dispatcher", "department", "channel", "grid-worker"].includes(role)) {
      throw new CliError("--role must be operator, dispatcher, department, channel or grid-worker");
    }
    const config = bundledConfig(process.env);
    const runtime = await createRuntime(tableSettings(), config, { quiet: true });
    const { key, record } = await issueApiKey(runtime.core.keys, {
      role,
      department: values.dept,
      channel: values.channel,
      grid: values.grid,
      label: values.label,
      departments: runtime.core.departments,
      grids: gridIds(config),
    });
    say(
      JSON.stringify({
        key,
        role: record.role,
        department: record.department,
        channel: record.channel,
        grid: record.grid,
        label: record.label,
      }),
    );
    console.error("store this key now: only its hash is kept.");
    return;
  }

  if (cmd === "keys" && (sub === "list" || sub === "revoke")) {
    const runtime = await createRuntime(tableSettings(), bundledConfig(process.env), { quiet: true });
    const store = runtime.core.keys;
    if (sub === "revoke") {
      if (!third) throw new CliError("usage: cli keys revoke <hash-prefix|label>");
      const revoked = await revokeApiKey(store, third);
      for (const k of revoked) say(`revoked ${k.hash.slice(0, 12)}  ${k.label}`);
      console.error(
        `a running API process may still accept a revoked key for up to ${AUTH_CACHE_TTL_MS / 1000} s (its key cache)`,
      );
      return;
    }
    const all = (await store.listKeys?.()) ?? [];
    if (values.json)
      return say(JSON.stringify(all.map(({ hash, ...k }) => ({ hash: hash.slice(0, 12), ...k }))));
    for (const k of all) {
      const principal = k.department ?? k.channel ?? k.grid ?? "";
      say(
        `${k.hash.slice(0, 12)}  ${k.role}${principal ? `:${principal}` : ""}  ${k.label}  ${k.createdAt}${k.revokedAt ? `  REVOKED ${k.revokedAt}` : ""}`,
      );
    }
    return;
  }

  if (cmd === "dlq" && (sub === "list" || sub === "redrive")) {
    const runtime = await createRuntime(tableSettings(), bundledConfig(process.env), { quiet: true });
    if (sub === "redrive") {
      const r = await redriveDeadLetters(runtime.core);
      say(`redriven ${r.redriven}, escalated to triage ${r.escalated}, stale dropped ${r.dropped}`);
      return;
    }
    const letters = await listDeadLetters(runtime.core);
    if (values.json) return say(JSON.stringify(letters));
    if (!letters.length) return say("dead-letter queues: empty");
    for (const l of letters) {
      say(
        `${l.queue}  ${l.ticketNo ?? "(unreadable)"}  ${l.ticketId ?? ""}  [${l.status ?? "-"}]${l.waiting ? "  waiting" : "  stale"}`,
      );
    }
    return;
  }

  if (cmd === "inbox") {
    if (!values.dept) throw new CliError("--dept is required");
    const a = api(values);
    const q = new URLSearchParams({ wait: values.wait ?? "2", max: values.max ?? "10" });
    const out = await request(
      a,
      a.key({ dept: values.dept }),
      "GET",
      `/v1/departments/${encodeURIComponent(values.dept)}/inbox?${q}`,
    );
    if (values.json) return say(JSON.stringify(out, null, 2));
    if (!out.items.length) return say(`inbox ${values.dept}: empty`);
    for (const item of out.items) {
      say(line(item.ticket));
      say(`    ${item.ticket.location?.address ?? ""}`);
      say(`    lease ${item.leaseToken}`);
    }
    return;
  }

  if (cmd === "show") {
    if (!sub) throw new CliError("ticket id is required");
    const a = api(values);
    const t = await request(a, a.key("dispatcher"), "GET", `/v1/tickets/${encodeURIComponent(sub)}`);
    if (values.json) return say(JSON.stringify(t, null, 2));
    say(line(t));
    for (const e of t.history ?? [])
      say(`    ${e.at}  ${e.type} ${e.from ?? "-"} → ${e.to}  ${e.actor}${e.note ? `  ${e.note}` : ""}`);
    return;
  }

  if (cmd === "act") {
    const id = sub;
    const action = third;
    if (!id || !action) throw new CliError("usage: cli act <ticketId> <action> [options]");
    const a = api(values);
    const departmentAction = ["accept", "progress", "resolve", "return", "extend"].includes(action);
    let key: string;
    if (departmentAction) {
      let dept = values.dept;
      if (!dept && !values.key && !process.env.API_KEY) {
        const t = await request(a, a.key("dispatcher"), "GET", `/v1/tickets/${encodeURIComponent(id)}`);
        dept = t.department;
      }
      key = a.key({ dept: dept ?? "" });
    } else {
      key = a.key(action === "confirm" ? "operator" : "dispatcher");
    }
    const body: Record<string, unknown> = { action };
    if (values.note) body.note = values.note;
    if (values.result) body.result = values.result;
    if (values.reason) body.reason = values.reason;
    if (values.lease) body.leaseToken = values.lease;
    if (action === "assign") {
      body.department = values.dept;
      if (values.category) body.categoryId = values.category;
    }
    if (action === "verify" || action === "confirm")
      body.passed = values.pass ? true : values.fail ? false : undefined;
    if (action === "extend") body.dueAt = values.due;
    const t = await request(a, key, "POST", `/v1/tickets/${encodeURIComponent(id)}/actions`, body);
    say(values.json ? JSON.stringify(t, null, 2) : line(t));
    return;
  }
  if (cmd === "calendar") {
    const config = bundledConfig(process.env);
    const month = sub ?? new Date().toISOString().slice(0, 7);
    let days: ReturnType<typeof monthDays>;
    try {
      days = monthDays(createCalendar(config), month);
    } catch (err) {
      throw new CliError(String((err as Error).message));
    }
    if (values.json) return console.log(JSON.stringify(days, null, 2));
    const WORD = {
      workday: "工作日",
      weekend: "周末",
      holiday: "节假日",
      makeup: "调休上班",
      closure: "停工",
    };
    const WEEK = ["日", "一", "二", "三", "四", "五", "六"];
    console.log(`${month}  working days: ${days.filter((d) => d.working).length}`);
    for (const d of days) {
      const dow = WEEK[new Date(`${d.date}T00:00:00Z`).getUTCDay()];
      console.log(
        `${d.date} 周${dow}  ${d.working ? "work" : "rest"}  ${WORD[d.kind]}${d.name ? `  ${d.name}` : ""}`,
      );
    }
    return;
  }

  if (cmd === "outbox") {
    const stack = readJson<AwsSettings>(resolve(DATA_DIR, "local-stack.json"));
    const file = stack?.smsOutboxFile ?? resolve(DATA_DIR, "sms-outbox.jsonl");
    const entries = readOutbox(file);
    if (values.json) return console.log(JSON.stringify(entries, null, 2));
    if (!entries.length) return console.log(`outbox ${file}: empty`);
    for (const e of entries) console.log(`${e.at}  to ${e.to}  ${e.ticketNo}  [${e.kind}]  ${e.text}`);
    return;
  }

  if (cmd === "sweep") {
    // Runs against the local system only: an operator catching up, or a test moving through deadlines.
    if (process.env.TABLE_NAME && !process.env.DYNAMODB_ENDPOINT)
      throw new CliError("sweep runs against the local system only; in AWS the scheduled sweeper does this");
    const stack = readJson<AwsSettings>(resolve(DATA_DIR, "local-stack.json"));
    if (!stack?.dynamoEndpoint || !stack.sqsEndpoint)
      throw new CliError("no local system found (.data/local-stack.json): start it with `npm start` first");
    const at = values.at ? new Date(values.at) : new Date();
    if (Number.isNaN(at.getTime()))
      throw new CliError("--at must be an ISO time, e.g. 2026-02-13T09:00:00+08:00");
    const runtime = await createRuntime(stack, bundledConfig(process.env), { quiet: true });
    runtime.core.clock = { now: () => at };
    const out = await sweepAll(runtime.core, { graceSeconds: 0 });
    console.log(JSON.stringify({ at: at.toISOString(), ...out }, null, values.json ? 2 : undefined));
    return;
  }

  throw new CliError(`unknown command: ${positionals.join(" ")}\n${USAGE}`);
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof CliError || err instanceof DomainError) console.error(`error: ${err.message}`);
  else console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
