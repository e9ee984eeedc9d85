/**
 * The defects a review confirmed on DynamoDB Local and the SQS stand-in (issue #13), each reproduced through the
 * public interfaces and shown fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../functions/lib/runtime.js";
import { freePort } from "../../scripts/local/stand-ins.js";
import { createAwsCore, createClients } from "../../shared/adapters/aws.js";
import { applyAction } from "../../shared/services/actions.js";
import { redriveDeadLetters, sweepPending } from "../../shared/services/delivery.js";
import { createTicket } from "../../shared/services/intake.js";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OPERATOR = { id: "op-test", role: "operator" as const };

let sys: TestSystem;

beforeAll(async () => {
  const config = defaultConfig();
  config.queues.visibilityTimeoutSeconds = 1;
  sys = await startTestSystem("bugs", config);
});
afterAll(async () => {
  await sys?.stop();
});

async function file(body: Record<string, unknown>) {
  const res = await sys.call("POST", "/v1/tickets", { key: sys.keys.operator, body: report(body) });
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string; department: string | null; version: number };
}

/**
 * Polls until every id in `expect` was seen (the table's stream delivers asynchronously), at most 15 s; with
 * nothing expected, three quick polls. Stops at once when all are seen: each receive counts towards the DLQ.
 */
async function inbox(dept: string, key: string, expect: string[] = []) {
  const items: { leaseToken: string; ticket: { id: string } }[] = [];
  const deadline = Date.now() + 15_000;
  const missing = () => expect.some((id) => !items.some((x) => x.ticket.id === id));
  for (let i = 0; expect.length ? missing() && Date.now() < deadline : i < 3; i++) {
    const res = await sys.call("GET", `/v1/departments/${dept}/inbox?wait=0&max=10`, { key });
    items.push(...res.body.items);
    if (expect.length && missing()) await sleep(200);
  }
  return items;
}

describe("a lease token belongs to one ticket", () => {
  it("accepting ticket A with ticket B's lease is refused and B's message stays queued", async () => {
    const a = await file({ categoryId: "drainage", title: "甲：雨水井堵塞" });
    const b = await file({ categoryId: "drainage", title: "乙：雨水井堵塞" });
    const water = sys.keys.departments.water!;
    const items = await inbox("water", water, [a.id, b.id]);
    const leaseOf = (id: string) => items.find((i) => i.ticket.id === id)?.leaseToken;
    expect(leaseOf(a.id)).toBeTruthy();
    expect(leaseOf(b.id)).toBeTruthy();

    const wrong = await sys.call("POST", `/v1/tickets/${a.id}/actions`, {
      key: water,
      body: { action: "accept", leaseToken: leaseOf(b.id) },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.field).toBe("leaseToken");
    expect((await sys.runtime.core.store.get(a.id))?.status).toBe("dispatched");

    // An altered token is refused the same way.
    const token = leaseOf(a.id)!;
    const altered = `${token.slice(0, -4)}${token.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
    const forged = await sys.call("POST", `/v1/tickets/${a.id}/actions`, {
      key: water,
      body: { action: "accept", leaseToken: altered },
    });
    expect(forged.status).toBe(400);

    const right = await sys.call("POST", `/v1/tickets/${a.id}/actions`, {
      key: water,
      body: { action: "accept", leaseToken: token },
    });
    expect(right.status).toBe(200);

    await sleep(1300); // the visibility timeout: B's message (never deleted) comes back, A's does not
    const again = (await inbox("water", water, [b.id])).map((i) => i.ticket.id);
    expect(again).toContain(b.id);
    expect(again).not.toContain(a.id);
  });
});

describe("merges checked inside the transaction", () => {
  const triaged = () =>
    file({ title: "想反映一个情况", description: "请有关部门联系我，具体情况电话里说。" });

  it("A→B and B→A at the same time never both succeed", async () => {
    for (let round = 0; round < 5; round++) {
      const a = await triaged();
      const b = await triaged();
      expect(a.status).toBe("triage");
      const merge = (child: string, parent: string) =>
        sys.call("POST", `/v1/tickets/${child}/actions`, {
          key: sys.keys.dispatcher,
          body: { action: "merge", parentId: parent },
        });
      const [ab, ba] = await Promise.all([merge(a.id, b.id), merge(b.id, a.id)]);
      expect([ab.status, ba.status].filter((s) => s === 200)).toHaveLength(1);
      expect([ab.status, ba.status].filter((s) => s >= 500)).toHaveLength(0);
      const statuses = [
        (await sys.runtime.core.store.get(a.id))?.status,
        (await sys.runtime.core.store.get(b.id))?.status,
      ];
      expect(statuses.filter((s) => s === "merged")).toHaveLength(1);
    }
  });

  it("a merge into a parent being rejected at the same time does not leave the child merged into it", async () => {
    for (let round = 0; round < 5; round++) {
      const child = await triaged();
      const parent = await triaged();
      await Promise.all([
        sys.call("POST", `/v1/tickets/${child.id}/actions`, {
          key: sys.keys.dispatcher,
          body: { action: "merge", parentId: parent.id },
        }),
        sys.call("POST", `/v1/tickets/${parent.id}/actions`, {
          key: sys.keys.dispatcher,
          body: { action: "reject", reason: "重复的测试工单" },
        }),
      ]);
      const c = await sys.runtime.core.store.get(child.id);
      const p = await sys.runtime.core.store.get(parent.id);
      expect(c?.status === "merged" && p?.status === "rejected").toBe(false);
    }
  });
});

describe("the sweeper pages through every pending ticket", () => {
  it("old tickets whose sends keep failing do not block newer ones", async () => {
    // No table-stream consumer: only the sweeper delivers here.
    const s = await startTestSystem("sweep-pages", defaultConfig(), { outbox: false });
    try {
      // Sends fail at the network: every ticket stays dispatch-pending.
      const broken = await createRuntime(
        { ...s.settings, sqsEndpoint: `http://127.0.0.1:${await freePort()}` },
        defaultConfig(),
        { quiet: true },
      );
      const stuck: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { ticket } = await createTicket(broken.core, report({ categoryId: "street-light" }), {
          channel: "hotline",
          actor: OPERATOR,
        });
        stuck.push(ticket.id);
      }
      const fresh: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { ticket } = await createTicket(broken.core, report({ categoryId: "drainage" }), {
          channel: "hotline",
          actor: OPERATOR,
        });
        fresh.push(ticket.id);
      }
      // The street-light department's queue keeps failing; water's works.
      const core = s.runtime.core;
      const failing = {
        ...core,
        queue: {
          ...core.queue,
          send: (target: string, message: Parameters<typeof core.queue.send>[1]) =>
            target === "chengguan"
              ? Promise.reject(new Error("queue gone"))
              : core.queue.send(target, message),
        },
      };
      const swept = await sweepPending(failing, { graceSeconds: 0, limit: 2 });
      expect(swept).toEqual({ seen: 8, delivered: 3, failed: 5 });
      for (const id of fresh) expect((await core.store.get(id))?.dispatchPending).toBe(false);
      for (const id of stuck) expect((await core.store.get(id))?.dispatchPending).toBe(true);
    } finally {
      await s.stop();
    }
  });
});

describe("areas given by id", () => {
  it("a street given without its district routes by the street's rule", async () => {
    const t = await file({
      categoryId: "illegal-building",
      title: "违建",
      location: { address: "某路1号", area: { street: "beishan" } },
    });
    expect(t.department).toBe("xihu-beishan");
    const stored = await sys.runtime.core.store.get(t.id);
    expect(stored?.location.area).toMatchObject({ district: "xihu", street: "beishan" });
  });

  it("unknown or misplaced area ids are refused naming the field", async () => {
    for (const [area, field] of [
      [{ district: "nowhere" }, "location.area.district"],
      [{ district: "dongcheng", street: "beishan" }, "location.area.street"],
      [{ street: "beishan", community: "renmin" }, "location.area.community"],
      [{ street: "no-such-street" }, "location.area.street"],
    ] as const) {
      const res = await sys.call("POST", "/v1/tickets", {
        key: sys.keys.operator,
        body: report({ categoryId: "illegal-building", location: { address: "某路1号", area } }),
      });
      expect(res.status, JSON.stringify(area)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });
});

describe("an SDK retry of a committed save", () => {
  it("does not apply the command twice (ClientRequestToken)", async () => {
    const clients = createClients(sys.settings);
    // The first TransactWriteItems commits, then its response is "lost": the SDK retries the same request.
    let loseNext = true;
    clients.ddb.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === "TransactWriteItemsCommand" && loseNext) {
          loseNext = false;
          throw Object.assign(new Error("socket hang up"), { name: "TimeoutError", $retryable: {} });
        }
        return out;
      },
      { step: "deserialize", name: "loseOneResponse" },
    );
    const core = createAwsCore({ ...sys.settings }, defaultConfig(), { clients });
    const t = await file({ categoryId: "drainage", title: "重试测试" });
    const water = { id: "water-test", role: "department" as const, department: "water" };
    await applyAction(sys.runtime.core, t.id, { action: "accept" }, water);
    loseNext = true;
    const after = await applyAction(core, t.id, { action: "progress", note: "已派人" }, water);
    expect(loseNext).toBe(false); // the response really was lost once
    expect(after.status).toBe("accepted");
    const stored = await sys.runtime.core.store.get(t.id);
    expect(stored?.history.filter((e) => e.type === "progress")).toHaveLength(1);
  });
});

describe("a ticket nobody accepts", () => {
  it("is redriven queues.maxRedrives times, then returned to triage where a dispatcher sees it", async () => {
    const config = defaultConfig();
    config.queues.visibilityTimeoutSeconds = 1;
    config.queues.maxReceiveCount = 1;
    config.queues.maxRedrives = 1;
    // No table-stream consumer (it may send a copy more than once): the sweeper delivers exactly one copy.
    const s = await startTestSystem("unclaimed", config, { outbox: false });
    try {
      const water = s.keys.departments.water!;
      const { body: t } = await s.call("POST", "/v1/tickets", {
        key: s.keys.operator,
        body: report({ categoryId: "drainage", title: "没人签收的工单" }),
      });
      await sweepPending(s.runtime.core, { graceSeconds: 0 });
      const poll = async (dept: string, key: string) => {
        const res = await s.call("GET", `/v1/departments/${dept}/inbox?wait=0&max=10`, { key });
        return res.body.items.map((i: { ticket: { id: string } }) => i.ticket.id) as string[];
      };
      /** Polls until the ticket shows (delivery from the table's stream is asynchronous). */
      const arrives = async (dept: string, key: string) => {
        for (let i = 0; i < 30; i++) {
          if ((await poll(dept, key)).includes(t.id)) return true;
          await sleep(300);
        }
        return false;
      };
      const ignoreOnce = async () => {
        expect(await arrives("water", water)).toBe(true);
        await sleep(1300);
        expect(await poll("water", water)).not.toContain(t.id); // → DLQ
      };
      await ignoreOnce();
      expect(await redriveDeadLetters(s.runtime.core)).toMatchObject({ redriven: 1, escalated: 0 });
      await ignoreOnce();
      expect(await redriveDeadLetters(s.runtime.core)).toMatchObject({ redriven: 0, escalated: 1 });

      const stored = await s.runtime.core.store.get(t.id);
      expect(stored?.status).toBe("triage");
      const last = stored?.history.at(-1);
      expect(last).toMatchObject({ type: "return", actor: "sweeper", from: "dispatched", to: "triage" });
      expect(await arrives("triage", s.keys.dispatcher)).toBe(true);
    } finally {
      await s.stop();
    }
  });
});
