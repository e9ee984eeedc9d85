/**
 * Kill and restart each stand-in while tickets flow through every channel (issue #13). The suite runs its own
 * DynamoDB Local (data on disk) and SQS server under the supervision `npm start` uses, with a local system on
 * them — never the run's shared stand-ins. Careful clients file continuously through the hotline, the web form,
 * WeChat (a one-message report, then 确认), Open311 and grid patrols, each retrying with its idempotency key or
 * message id; a department accepts what it receives, a dispatcher polls triage and never takes anything. Mid-flow
 * DynamoDB Local's JVM gets SIGKILL, later the queue server crashes (in memory: everything queued is gone). After
 * healing with the sweeper and the dead-letter redrive (the functions behind `npm run cli -- dlq list|redrive`):
 * every acknowledged ticket exists exactly once, waits in exactly one queue (or none once accepted), has a
 * complete history; a redelivered WeChat message advanced nothing twice; no ticket is left dispatch-pending.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/local/stand-ins.js";
import { type LocalStandIns, superviseLocalStandIns } from "../../scripts/local/supervisor.js";
import {
  type DemoKeys,
  issueDemoKeys,
  type LocalSystem,
  startLocalSystem,
} from "../../scripts/local/system.js";
import { type Ticket, TicketStatus } from "../../shared/domain/ticket.js";
import { deadLetterTarget, TRIAGE } from "../../shared/ports.js";
import { issueApiKey } from "../../shared/services/auth.js";
import { listDeadLetters } from "../../shared/services/dead-letters.js";
import { redriveDeadLetters, sweepPending, waitingTarget } from "../../shared/services/delivery.js";
import { defaultConfig, report } from "../support/system.js";
import { TICKET_NO } from "../support/wechat.js";

/** Careful clients per channel (each files one report after another). */
const CLIENTS = Number(process.env.RESTART_CLIENTS ?? 1);
/** Reports per client at most (the flow also ends once both stand-ins are back). */
const PER_CLIENT = Number(process.env.RESTART_PER_CLIENT ?? 200);
/** Between one client's reports: a shared, loaded machine heals a few dozen tickets in seconds, not hundreds. */
const PAUSE_MS = Number(process.env.RESTART_PAUSE_MS ?? 300);
/** Acknowledged tickets to see on a restarted stand-in before the flow moves on. */
const AFTER_EACH = 6;
const PREFIX = "restarts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dataDir: string;
let standIns: LocalStandIns;
let system: LocalSystem;
let keys: DemoKeys;
/** An Open311 client application whose first request arrives while the store is down (its key not cached). */
let lateOpen311Key: string;
const supervisorLog: string[] = [];
const gaveUp: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "intake-restarts-"));
  standIns = await superviseLocalStandIns({
    dbPath: dataDir,
    log: (m) => supervisorLog.push(`${new Date().toISOString()} ${m}`),
    giveUp: (r) => gaveUp.push(r),
  });
  const config = defaultConfig();
  // Short leases and one receive before the DLQ, so unaccepted messages become dead letters within the run.
  config.queues.visibilityTimeoutSeconds = 1;
  config.queues.maxReceiveCount = 1;
  config.publicAccess = { ...config.publicAccess, reportsPerWindow: 100_000 };
  system = await startLocalSystem({
    config,
    dynamoEndpoint: standIns.dynamo.endpoint,
    sqsEndpoint: standIns.sqs.endpoint,
    sqsUrlBase: standIns.sqsUrlBase,
    tableName: PREFIX,
    queuePrefix: PREFIX,
    port: await freePort(),
    quiet: !process.env.RESTART_DEBUG,
  });
  standIns.reofferAfterSqsRestart(system.runtime.core, PREFIX);
  keys = await issueDemoKeys(system.runtime);
  lateOpen311Key = (
    await issueApiKey(system.runtime.core.keys, { role: "channel", channel: "open311", label: "late-o311" })
  ).key;
}, 120_000);

afterAll(async () => {
  await system?.stop(2000);
  await standIns?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

type Answer = { status: number; body: any };
/** What a client was told in the end: the ticket's id or number, or null when it gave up. */
type Ack = {
  tag: string;
  channel: string;
  id?: string;
  ticketNo?: string;
  /** The same request once more (same key or form): must answer the same ticket. */
  replay?: () => Promise<Response>;
};

const statuses: Record<string, number> = {};
const tally = (what: string | number) => {
  statuses[what] = (statuses[what] ?? 0) + 1;
};
const RETRYABLE = new Set([409, 429, 500, 502, 503, 504]);
/** The client a tag belongs to: `hotline-7` → hotline, `wechat-3/wechat-3-2` → wechat, `open311-late-0` → open311-late. */
const kindOf = (tag: string) => tag.replace(/-\d+(\/.*)?$/, "");

/**
 * A careful client: sends the same request (same key, same message id) until it is answered 2xx, waiting a
 * little between tries; any other 4xx is a defect (the request itself is valid). Gives up after `ms`.
 */
async function carefully(tag: string, send: () => Promise<Response>, ms = 40_000): Promise<Answer | null> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    let res: Response;
    try {
      res = await send();
    } catch {
      tally(`${kindOf(tag)} network`);
      await sleep(200);
      continue;
    }
    tally(`${kindOf(tag)} ${res.status}`);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    if (res.status < 300) return { status: res.status, body };
    if (!RETRYABLE.has(res.status)) throw new Error(`${tag}: unexpected ${res.status} ${text.slice(0, 300)}`);
    if (res.status >= 500) expect(text, tag).not.toMatch(/ECONN|stack|\bat .*\.ts/);
    if (res.status === 503) expect(res.headers.get("retry-after"), tag).toBeTruthy();
    await sleep(150);
  }
  return null;
}

const base = () => system.baseUrl;
const json = (key: string | null, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: {
    "content-type": "application/json",
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...headers,
  },
  body: JSON.stringify(body),
  signal: AbortSignal.timeout(35_000),
});
const phoneOf = (channel: number, n: number) =>
  `13${channel}${String(10_000_000 + n).slice(-8)}`.slice(0, 11);
const mark = (tag: string) => `（登记号 ${tag}）`;

/** One report through each channel, as that channel's careful client files it. */
const CHANNELS: Record<string, (tag: string, n: number, key?: string) => Promise<Ack | null>> = {
  async hotline(tag, n) {
    const body = report({
      title: `来电反映污水井冒水 ${tag}`,
      description: `东城区新华街道人民路小区门口的污水井冒水三天了${mark(tag)}`,
      reporter: { name: "赵六", phone: phoneOf(1, n) },
      ...(n % 2 ? { categoryId: "drainage" } : {}),
    });
    const send = () => fetch(`${base()}/v1/tickets`, json(keys.operator, body, { "idempotency-key": tag }));
    const res = await carefully(tag, send);
    return res && { tag, channel: "hotline", id: res.body.id, replay: send };
  },
  async web(tag, n) {
    const body = {
      categoryId: "drainage",
      description: `东城区新华街道人民路口的下水道堵了，雨后积水很深${mark(tag)}`,
      address: `东城区新华街道人民路${n + 1}号`,
      phone: phoneOf(2, n),
      name: "王五",
      consent: true,
    };
    const send = () => fetch(`${base()}/v1/public/reports`, json(null, body, { "idempotency-key": tag }));
    const res = await carefully(tag, send);
    return res && { tag, channel: "web", ticketNo: res.body.ticketNo, replay: send };
  },
  async wechat(tag, n) {
    const relay = (messageId: string, text: string) =>
      carefully(`${tag}/${messageId}`, () =>
        fetch(
          `${base()}/v1/channels/wechat/messages`,
          json(keys["channel:wechat"], { userId: tag, messageId, message: { kind: "text", text } }),
        ),
      );
    const first = await relay(`${tag}-1`, `东城区新华街道人民路${n + 1}号垃圾好几天没人清运${mark(tag)}`);
    if (!first) return null;
    expect(first.body.replies.join(""), tag).toContain("请确认");
    const confirmed = await relay(`${tag}-2`, "确认");
    if (!confirmed) return null;
    const ticketNo = TICKET_NO.exec(confirmed.body.replies.join(""))?.[0];
    expect(ticketNo, `${tag}: ${confirmed.body.replies.join("")}`).toBeTruthy();
    // WeChat redelivers a message it did not see answered: the same replies, nothing advanced.
    const again = await relay(`${tag}-2`, "确认");
    expect(again?.body, tag).toEqual({ replies: confirmed.body.replies, duplicate: true });
    return { tag, channel: "wechat", ticketNo: ticketNo! };
  },
  async open311(tag, n, key = keys["channel:open311"]) {
    const form = new URLSearchParams({
      api_key: key,
      jurisdiction_id: "demo-city",
      service_code: "street-light",
      lat: "30.2741",
      long: "120.1551",
      address_string: `西湖区北山街道保俶路 ${n + 1} 号门口`,
      description: `路灯整晚不亮${mark(tag)}`,
      "attribute[fault]": "dark",
      "attribute[pole_no]": `BS-${String(n).padStart(4, "0")}`,
      phone: phoneOf(3, n),
      first_name: "明",
      last_name: "陈",
    }).toString();
    // An Open311 client retries the same form; its content is the idempotency key.
    const send = () =>
      fetch(`${base()}/open311/v2/requests.json`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body: form,
        signal: AbortSignal.timeout(35_000),
      });
    const res = await carefully(tag, send);
    return res && { tag, channel: "open311", ticketNo: res.body[0].service_request_id, replay: send };
  },
  async grid(tag) {
    const body = {
      categoryId: "manhole",
      description: `保俶路口井盖松动，车辆经过有响声${mark(tag)}`,
      location: { address: "西湖区北山街道保俶路口", lat: 30.26, lng: 120.15 },
    };
    const send = () =>
      fetch(`${base()}/v1/patrols/reports`, json(keys["grid-worker"], body, { "idempotency-key": tag }));
    const res = await carefully(tag, send);
    return res && { tag, channel: "grid", id: res.body.id, replay: send };
  },
};

type Health = { http: number; store?: string; queue?: string };
let lastHealth: Health | null = null;
async function health(): Promise<Health> {
  try {
    const res = await fetch(`${base()}/health`, { signal: AbortSignal.timeout(5000) });
    lastHealth = { ...((await res.json()) as object), http: res.status };
  } catch {
    lastHealth = { http: 0 };
  }
  return lastHealth;
}
async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; health ${JSON.stringify(lastHealth)}; supervisor: ${supervisorLog}`,
      );
    await sleep(100);
  }
}

describe("stand-ins killed and restarted while every channel files", () => {
  it("loses nothing acknowledged, duplicates nothing, leaves every waiting ticket in exactly its queue", async () => {
    const started = Date.now();
    const core = system.runtime.core;
    const acks: Ack[] = [];
    const gaveUpOn: string[] = [];
    let flowing = true;

    const clients = Object.entries(CHANNELS).flatMap(([channel, file]) =>
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let k = 0; k < PER_CLIENT && flowing; k++) {
          const n = k * CLIENTS + c;
          const tag = `${channel}-${n}`;
          const ack = await file(tag, n);
          if (ack) acks.push(ack);
          else gaveUpOn.push(tag);
          await sleep(PAUSE_MS);
        }
      }),
    );

    // A department that accepts whatever it receives, retrying as the clients do.
    const accepted = new Set<string>();
    const water = (async () => {
      while (flowing) {
        const got = await carefully("water inbox", () =>
          fetch(`${base()}/v1/departments/water/inbox?wait=1&max=10`, {
            headers: { authorization: `Bearer ${keys.departments.water}` },
            signal: AbortSignal.timeout(35_000),
          }),
        );
        for (const item of got?.body.items ?? []) {
          const id = item.ticket.id as string;
          const res = await fetch(
            `${base()}/v1/tickets/${id}/actions`,
            json(keys.departments.water!, { action: "accept", leaseToken: item.leaseToken }),
          ).catch(() => null);
          tally(`accept ${res?.status ?? "network"}`);
          if (res?.status === 200) accepted.add(id);
        }
      }
    })();
    // A dispatcher's console that polls triage and dies before taking anything: those become dead letters.
    const triage = (async () => {
      while (flowing) {
        await fetch(`${base()}/v1/departments/triage/inbox?wait=0&max=10`, {
          headers: { authorization: `Bearer ${keys.dispatcher}` },
        }).catch(() => null);
        await sleep(1100);
      }
    })();

    // The stand-ins: SIGKILL DynamoDB Local's JVM once every channel has filed; health says so, then recovers.
    await until("every channel to file", () => new Set(acks.map((a) => a.channel)).size === 5);
    const ackedBeforeKill = acks.length;
    let t = Date.now();
    standIns.dynamo.kill();
    await until("health to report the store down", async () => (await health()).store === "down", 10_000);
    const storeDownSeen = Date.now() - t;
    // An Open311 application whose key this process has not looked up yet files now: the lookup fails, and
    // the answer must say "try again" (503), not "invalid api_key" (403) — a careful client would give up.
    const late = CHANNELS.open311!("open311-late-0", 900, lateOpen311Key).then((ack) => {
      if (ack) acks.push(ack);
      else gaveUpOn.push("open311-late-0");
    });
    await until(
      "DynamoDB Local's restart",
      async () => standIns.dynamo.restarts === 1 && standIns.dynamo.running && (await health()).http === 200,
    );
    const storeOutageMs = Date.now() - t;

    // Tickets flow on the restarted store for a while; then the queue server crashes.
    const ackedAfterStoreBack = acks.length;
    await until(
      "tickets on the restarted store",
      () => acks.length >= ackedAfterStoreBack + AFTER_EACH,
      30_000,
    );
    t = Date.now();
    standIns.sqs.kill();
    await until("health to report the queue down", async () => (await health()).queue === "down", 10_000);
    await until(
      "the queue server's restart and reconciliation",
      async () => standIns.sqs.restarts === 1 && standIns.sqs.running && (await health()).http === 200,
    );
    const queueOutageMs = Date.now() - t;
    const ackedAfterQueueBack = acks.length;
    await until(
      "tickets after the queue restart",
      () => acks.length >= ackedAfterQueueBack + AFTER_EACH,
      30_000,
    );

    flowing = false;
    await Promise.all([...clients, water, triage, late]);
    // One more drainage report nobody takes: at least one ticket is still waiting in water when the heal starts.
    const last = await CHANNELS.hotline!("hotline-last-1", 1);
    expect(last).toBeTruthy();
    acks.push(last!);
    const flowMs = Date.now() - started;
    expect(gaveUp, "the supervisor gave up").toEqual([]);
    expect(gaveUpOn, "clients that were never acknowledged").toEqual([]);
    expect(statuses["open311-late 503"], "the late Open311 client was told to try again").toBeGreaterThan(0);
    // A stand-in down is "try again" (503 with Retry-After), never a 500.
    expect(Object.keys(statuses).filter((k) => / 5(0[0-24-9]|[1-9]\d)$/.test(k))).toEqual([]);
    expect(supervisorLog.join("\n")).toMatch(/DynamoDB Local: DynamoDB Local exited \(code 137/);
    expect(supervisorLog.join("\n")).toContain("SQS server: the SQS server closed");

    // Heal: the sweeper sends what is still pending. Then every unaccepted message of the queues the consumers
    // read (water's, triage's) is let die — one more receive after its lease ran out moves it to its DLQ — and
    // the DLQs are listed and redriven with what `npm run cli -- dlq list|redrive` runs.
    const healStarted = Date.now();
    const pendingBeforeSweep = (await core.store.listPending(1000)).items.length;
    await sweepPending(core, { graceSeconds: 0 });
    expect((await core.store.listPending(10)).items, "left dispatch-pending").toEqual([]);
    const targets = [...core.config.departments.map((d) => d.id), TRIAGE];
    for (let round = 0; round < 2; round++) {
      await sleep(1100); // every lease has run out
      for (const target of ["water", TRIAGE]) {
        while ((await core.queue.receive(target, { max: 10, waitSeconds: 0 })).length);
      }
    }
    const letters = await listDeadLetters(core, { maxPerQueue: 10 });
    const waitingLetters = letters.filter((l) => l.waiting);
    expect(waitingLetters.length, "dead letters are visible").toBeGreaterThan(0);
    for (const letter of waitingLetters) {
      const ticket = await core.store.get(letter.ticketId!);
      expect(letter.queue, letter.ticketNo!).toBe(deadLetterTarget(waitingTarget(ticket!)!));
    }
    await sleep(1100); // listing leaves each letter hidden for a second
    const redrive = { redriven: 0, dropped: 0, escalated: 0 };
    for (;;) {
      const r = await redriveDeadLetters(core);
      redrive.redriven += r.redriven;
      redrive.dropped += r.dropped;
      redrive.escalated += r.escalated;
      if (!r.redriven && !r.dropped && !r.escalated) break;
    }
    expect(redrive.redriven).toBeGreaterThanOrEqual(waitingLetters.length);
    expect(redrive.escalated, "no ticket used up its redrives").toBe(0);
    expect(await listDeadLetters(core), "the DLQs after the redrive").toEqual([]);
    const healMs = Date.now() - healStarted;

    const checkStarted = Date.now();
    // Where is each ticket offered now? Every queue read once (a long lease: nothing reappears meanwhile).
    const foundIn = new Map<string, Set<string>>();
    for (const target of targets) {
      for (;;) {
        const got = await core.queue.receive(target, { max: 10, waitSeconds: 0, visibilitySeconds: 60 });
        if (!got.length) break;
        for (const { message } of got) {
          const id = (message as { ticketId?: string }).ticketId;
          if (id) foundIn.set(id, (foundIn.get(id) ?? new Set()).add(target));
        }
      }
    }

    // Every ticket in the table, by status (each ticket is in exactly one status partition).
    const all: Ticket[] = [];
    for (const status of TicketStatus.options) {
      let cursor: string | undefined;
      do {
        const page = await core.store.listByStatus(status, 100, cursor);
        all.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
    }
    const byTag = new Map<string, Ticket[]>();
    for (const ticket of all) {
      const tag = /登记号 ([a-z0-9]+(?:-[a-z]+)?-\d+)/.exec(`${ticket.description} ${ticket.title}`)?.[1];
      if (tag) byTag.set(tag, [...(byTag.get(tag) ?? []), ticket]);
    }
    expect(new Set(all.map((t) => t.ticketNo)).size, "ticket numbers are unique").toBe(all.length);

    const waitingIn: Record<string, number> = {};
    const ackedIds = new Set<string>();
    for (const ack of acks) {
      const found = byTag.get(ack.tag) ?? [];
      expect(
        found.map((t) => t.ticketNo),
        `${ack.tag}: exactly one ticket`,
      ).toHaveLength(1);
      const ticket = (await core.store.get(found[0]!.id))!;
      ackedIds.add(ticket.id);
      if (ack.id) expect(ticket.id, ack.tag).toBe(ack.id);
      if (ack.ticketNo) expect(ticket.ticketNo, ack.tag).toBe(ack.ticketNo);
      expect(ticket.channel, ack.tag).toBe(ack.channel);
      const seqs = ticket.history.map((e) => e.seq);
      expect(seqs, `${ack.tag}: history complete`).toEqual(seqs.map((_, i) => i));
      expect(ticket.history[0]?.type, ack.tag).toBe("create");
      expect(
        ticket.history.filter((e) => e.type === "create"),
        ack.tag,
      ).toHaveLength(1);
      // Accepted at most once, though the queue may have offered it more than once.
      expect(ticket.history.filter((e) => e.type === "accept").length, ack.tag).toBeLessThanOrEqual(1);
      expect(ticket.dispatchPending, ack.tag).toBe(false);
      const target = waitingTarget(ticket);
      expect([...(foundIn.get(ticket.id) ?? [])], `${ack.tag} (${ticket.status}): offered in`).toEqual(
        target ? [target] : [],
      );
      if (!target) expect(ticket.status, ack.tag).toBe("accepted");
      waitingIn[target ?? "accepted"] = (waitingIn[target ?? "accepted"] ?? 0) + 1;
      if (ack.channel === "wechat") {
        const conversation = await core.conversations!.get(`bot:${ack.tag}`);
        expect(conversation?.version, `${ack.tag}: two messages, each applied once`).toBe(2);
      }
    }
    // The idempotency records survived too: each request once more answers the same ticket (200, not a new one).
    let replays = 0;
    for (const ack of acks) {
      if (!ack.replay) continue;
      const res = await ack.replay();
      const body = (await res.json()) as any;
      expect(res.status, `${ack.tag}: replayed`).toBe(200);
      if (ack.id) expect(body.id, ack.tag).toBe(ack.id);
      // the web form answers { ticketNo }, Open311 [{ service_request_id }]
      if (ack.ticketNo) expect(body.ticketNo ?? body[0]?.service_request_id, ack.tag).toBe(ack.ticketNo);
      replays++;
    }
    // Whatever the department accepted was a ticket some client was told about.
    for (const id of accepted) expect(ackedIds.has(id), id).toBe(true);

    const perChannel: Record<string, number> = {};
    for (const a of acks) perChannel[a.channel] = (perChannel[a.channel] ?? 0) + 1;
    console.log(
      `stand-in restarts: ${acks.length} acknowledged (${JSON.stringify(perChannel)}) in ${flowMs} ms; ` +
        `${ackedBeforeKill} before the SIGKILL of DynamoDB Local; store down seen after ${storeDownSeen} ms, ` +
        `back after ${storeOutageMs} ms; queue server back after ${queueOutageMs} ms; answers ${JSON.stringify(statuses)}; ` +
        `${replays} replays answered the same ticket; ${accepted.size} accepted by water; ${pendingBeforeSweep} pending before the sweep; healed in ${healMs} ms; ` +
        `${waitingLetters.length} waiting dead letters listed, redrive ${JSON.stringify(redrive)}; ` +
        `now waiting ${JSON.stringify(waitingIn)}; ${all.length} tickets in the table; checked in ${Date.now() - checkStarted} ms\n${supervisorLog.join("\n")}`,
    );
  }, 180_000);
});
