import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../functions/lib/runtime.js";
import { freePort, startSqsLocal } from "../../scripts/local/stand-ins.js";
import { startStreamPoller } from "../../scripts/local/stream-poller.js";
import { startLocalSystem } from "../../scripts/local/system.js";
import { createAwsCore } from "../../shared/adapters/aws.js";
import { createLogger } from "../../shared/log.js";
import { issueApiKey } from "../../shared/services/auth.js";
import { redriveDeadLetters, sweepPending } from "../../shared/services/delivery.js";
import { createTicket } from "../../shared/services/intake.js";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem("reliability");
});
afterAll(async () => {
  await sys?.stop();
});

async function inboxIds(
  s: TestSystem | { call: TestSystem["call"] },
  dept: string,
  key: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await s.call("GET", `/v1/departments/${dept}/inbox?wait=0&max=10`, { key });
    ids.push(...res.body.items.map((x: { ticket: { id: string } }) => x.ticket.id));
  }
  return ids;
}

describe("idempotent intake", () => {
  it("20 concurrent identical requests with one key make exactly one ticket", async () => {
    const body = report({ categoryId: "manhole", title: "井盖缺失", reporter: { phone: "13600003333" } });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        sys.call("POST", "/v1/tickets", {
          key: sys.keys.operator,
          headers: { "idempotency-key": "dup-20" },
          body,
        }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const list = await sys.call("GET", "/v1/tickets?phone=13600003333", { key: sys.keys.operator });
    expect(list.body.items).toHaveLength(1);
  });

  it("the same key with a different body is a 409 and creates nothing", async () => {
    const first = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      headers: { "idempotency-key": "k-409" },
      body: report({ categoryId: "noise", reporter: { phone: "13600004444" } }),
    });
    expect(first.status).toBe(201);
    const second = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      headers: { "idempotency-key": "k-409" },
      body: report({ categoryId: "noise", title: "另一件事", reporter: { phone: "13600004444" } }),
    });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("conflict");
    const list = await sys.call("GET", "/v1/tickets?phone=13600004444", { key: sys.keys.operator });
    expect(list.body.items).toHaveLength(1);
  });
});

describe("idempotency keys and phone numbers", () => {
  it("two operators' identical keys are different requests", async () => {
    const { key: second } = await issueApiKey(sys.runtime.core.keys, { role: "operator", label: "desk-2" });
    const a = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      headers: { "idempotency-key": "call-0001" },
      body: report({ categoryId: "noise", title: "一号台的来电" }),
    });
    const b = await sys.call("POST", "/v1/tickets", {
      key: second,
      headers: { "idempotency-key": "call-0001" },
      body: report({ categoryId: "noise", title: "二号台的来电" }),
    });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it("finds a caller's tickets whichever way the mobile number was written", async () => {
    const { body: t } = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "noise", reporter: { phone: "+86 135-0000-7777" } }),
    });
    for (const form of ["13500007777", "%2B8613500007777", "008613500007777"]) {
      const list = await sys.call("GET", `/v1/tickets?phone=${form}`, { key: sys.keys.operator });
      expect(
        list.body.items.map((i: { id: string }) => i.id),
        form,
      ).toEqual([t.id]);
    }
  });
});

describe("department isolation", () => {
  it("a department cannot read, act on, or poll for another department's ticket", async () => {
    const { body: t } = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "wage-arrears", title: "工地拖欠农民工工资" }),
    });
    expect(t.department).toBe("hrss");
    const water = sys.keys.departments.water!;
    expect((await sys.call("GET", `/v1/tickets/${t.id}`, { key: water })).status).toBe(403);
    const act = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: { action: "accept" },
    });
    expect(act.status).toBe(403);
    expect((await sys.call("GET", "/v1/departments/hrss/inbox?wait=0", { key: water })).status).toBe(403);
    expect((await sys.call("GET", "/v1/departments/triage/inbox?wait=0", { key: water })).status).toBe(403);
    // …while the owner can.
    expect((await sys.call("GET", `/v1/tickets/${t.id}`, { key: sys.keys.departments.hrss! })).status).toBe(
      200,
    );
  });
});

describe("bad input changes nothing and says why", () => {
  it("rejects with the status, code and field the caller can act on", async () => {
    const op = sys.keys.operator;
    const cases: [string, Promise<{ status: number; body: any }>, number, string, string?][] = [
      ["no key", sys.call("POST", "/v1/tickets", { body: report() }), 401, "unauthorized"],
      ["bad key", sys.call("POST", "/v1/tickets", { key: "nope", body: report() }), 401, "unauthorized"],
      [
        "wrong role",
        sys.call("POST", "/v1/tickets", { key: sys.keys.dispatcher, body: report() }),
        403,
        "forbidden",
      ],
      [
        "missing title",
        sys.call("POST", "/v1/tickets", { key: op, body: report({ title: "" }) }),
        400,
        "validation_failed",
        "title",
      ],
      [
        "bad phone",
        sys.call("POST", "/v1/tickets", { key: op, body: report({ reporter: { phone: "abc" } }) }),
        400,
        "validation_failed",
        "reporter.phone",
      ],
      [
        "unknown category",
        sys.call("POST", "/v1/tickets", { key: op, body: report({ categoryId: "no-such" }) }),
        400,
        "validation_failed",
        "categoryId",
      ],
      [
        "not JSON",
        sys.call("POST", "/v1/tickets", { key: op, body: "{oops" }),
        400,
        "validation_failed",
        "(body)",
      ],
      [
        "too large",
        sys.call("POST", "/v1/tickets", { key: op, body: report({ description: "很".repeat(70_000) }) }),
        413,
        "payload_too_large",
      ],
      ["unknown ticket", sys.call("GET", "/v1/tickets/nope", { key: op }), 404, "not_found"],
      [
        "bad limit",
        sys.call("GET", "/v1/tickets?phone=13600001111&limit=0", { key: op }),
        400,
        "validation_failed",
        "limit",
      ],
      [
        "bad cursor",
        sys.call("GET", "/v1/tickets?phone=13600001111&cursor=%%%", { key: op }),
        400,
        "validation_failed",
        "cursor",
      ],
      [
        "forged cursor",
        sys.call(
          "GET",
          `/v1/tickets?phone=13600001111&cursor=${Buffer.from('{"PK":1}').toString("base64url")}`,
          {
            key: op,
          },
        ),
        400,
        "validation_failed",
        "cursor",
      ],
      ["malformed path", sys.call("GET", "/v1/tickets/%E0%A4%A", { key: op }), 400, "validation_failed"],
    ];
    for (const [name, pending, status, code, field] of cases) {
      const res = await pending;
      expect(res.status, name).toBe(status);
      expect(res.body.error.code, name).toBe(code);
      if (field) expect(res.body.error.field, name).toBe(field);
      expect(JSON.stringify(res.body), name).not.toMatch(/at .*\.ts:\d+/);
    }
    // A resident-facing message is bilingual.
    const bad = await sys.call("POST", "/v1/tickets", { key: op, body: report({ title: "" }) });
    expect(bad.body.error.message).toMatch(/[\u4e00-\u9fff]/);
    expect(bad.body.error.message).toMatch(/[a-z]/);
  });

  it("an illegal move is a 422 and leaves the ticket as it was", async () => {
    const { body: t } = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "drainage" }),
    });
    const water = sys.keys.departments.water!;
    const res = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: { action: "resolve", result: "x" },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("illegal_transition");
    const after = await sys.call("GET", `/v1/tickets/${t.id}`, { key: sys.keys.operator });
    expect(after.body.version).toBe(t.version);
    expect(after.body.status).toBe("dispatched");
  });
});

describe("no loss", () => {
  it("the stream consumer cannot reach SQS: the ticket stays dispatch-pending and the sweeper delivers it", async () => {
    // A system of its own whose only table-stream consumer sends to an SQS endpoint where nothing listens.
    const own = await startTestSystem("noloss", defaultConfig(), { outbox: false });
    const lines: string[] = [];
    const broken = createAwsCore(
      { ...own.settings, sqsEndpoint: `http://127.0.0.1:${await freePort()}` },
      defaultConfig(),
      { log: createLogger({}, (l) => lines.push(l)) },
    );
    const poller = startStreamPoller(broken, {
      endpoint: own.settings.dynamoEndpoint!,
      tableName: own.settings.tableName,
      attempts: 2,
    });
    try {
      await poller.ready;
      const created = await own.call("POST", "/v1/tickets", {
        key: own.keys.operator,
        body: report({ categoryId: "street-light", title: "路灯不亮" }),
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      // The consumer saw the write, failed to send, and left it for the sweeper.
      for (let i = 0; i < 100 && !lines.some((l) => l.includes("left pending for the sweeper")); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(lines.some((l) => l.includes("left pending for the sweeper") && l.includes(id))).toBe(true);
      expect((await own.runtime.core.store.get(id))?.dispatchPending).toBe(true);
      expect(await inboxIds(own, "chengguan", own.keys.departments.chengguan!)).not.toContain(id);

      const swept = await sweepPending(own.runtime.core, { graceSeconds: 0 });
      expect(swept.delivered).toBeGreaterThanOrEqual(1);
      expect((await own.runtime.core.store.get(id))?.dispatchPending).toBe(false);
      expect(await inboxIds(own, "chengguan", own.keys.departments.chengguan!)).toContain(id);
    } finally {
      await poller.stop();
      await own.stop();
    }
  });

  it("inline dispatch: a failed send in the request leaves the ticket pending, and the table stream still delivers it", async () => {
    const config = defaultConfig();
    const broken = await createRuntime(
      { ...sys.settings, sqsEndpoint: `http://127.0.0.1:${await freePort()}` },
      config,
      { quiet: true, dispatch: "inline" },
    );
    const { ticket } = await createTicket(
      broken.core,
      report({ categoryId: "street-light", title: "路灯不亮" }),
      { channel: "hotline", actor: { id: "op-test", role: "operator" } },
    );
    expect(ticket.status).toBe("dispatched");
    expect(ticket.dispatchPending).toBe(true);
    // The test system's own stream consumer picks the write up and delivers it.
    for (let i = 0; i < 50 && (await sys.runtime.core.store.get(ticket.id))?.dispatchPending; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await sys.runtime.core.store.get(ticket.id))?.dispatchPending).toBe(false);
    expect(await inboxIds(sys, "chengguan", sys.keys.departments.chengguan!)).toContain(ticket.id);
  });

  it("after a restart of the in-memory queue, what the table says is waiting is offered again", async () => {
    const { body: dispatched } = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "schooling", title: "孩子入学学位问题" }),
    });
    const { body: accepted } = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "schooling", title: "校车超载" }),
    });
    const edu = sys.keys.departments.education!;
    await sys.call("POST", `/v1/tickets/${accepted.id}/actions`, { key: edu, body: { action: "accept" } });

    // A brand-new, empty queue server, as after a restart, on the same table.
    const sqs = await startSqsLocal();
    const restarted = await startLocalSystem({
      config: defaultConfig(),
      dynamoEndpoint: sys.settings.dynamoEndpoint!,
      sqsEndpoint: sqs.endpoint,
      sqsUrlBase: sqs.urlBase,
      tableName: sys.settings.tableName,
      queuePrefix: sys.settings.queuePrefix,
      port: await freePort(),
      quiet: true,
    });
    try {
      const view = {
        call: (m: string, p: string, o?: Parameters<TestSystem["call"]>[2]) =>
          callAt(restarted.baseUrl, m, p, o),
      };
      const ids = await inboxIds(view as TestSystem, "education", edu);
      expect(ids).toContain(dispatched.id);
      expect(ids).not.toContain(accepted.id);
    } finally {
      await restarted.stop();
      await sqs.stop();
    }
  });
});

async function callAt(base: string, method: string, path: string, opts: { key?: string } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: opts.key ? { authorization: `Bearer ${opts.key}` } : {},
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe("a ticket nobody accepts", () => {
  it("goes to the dead-letter queue after maxReceiveCount polls and the sweeper offers it again", async () => {
    const config = defaultConfig();
    config.queues.visibilityTimeoutSeconds = 1;
    config.queues.maxReceiveCount = 1;
    const s = await startTestSystem("redrive", config);
    try {
      const water = s.keys.departments.water!;
      const { body: t } = await s.call("POST", "/v1/tickets", {
        key: s.keys.operator,
        body: report({ categoryId: "drainage", title: "没人签收的工单" }),
      });
      const poll = async (wait = 0) => {
        const res = await s.call("GET", `/v1/departments/water/inbox?wait=${wait}&max=10`, { key: water });
        return res.body.items.map((i: { ticket: { id: string } }) => i.ticket.id) as string[];
      };
      // Delivered from the table's stream just after the answer: the first poll waits for it.
      expect(await poll(5)).toContain(t.id); // seen once, not accepted
      await new Promise((r) => setTimeout(r, 1300)); // the lease runs out
      expect(await poll()).not.toContain(t.id); // over maxReceiveCount: SQS moved it to the DLQ

      const result = await redriveDeadLetters(s.runtime.core);
      expect(result.redriven).toBe(1);
      expect(await poll()).toContain(t.id);
      // A stale copy (the ticket moved on) is dropped, not offered again.
      await new Promise((r) => setTimeout(r, 1300));
      await poll(); // → DLQ again
      await s.call("POST", `/v1/tickets/${t.id}/actions`, { key: water, body: { action: "accept" } });
      expect(await redriveDeadLetters(s.runtime.core)).toMatchObject({ redriven: 0, dropped: 1 });
    } finally {
      await s.stop();
    }
  });
});
