import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem("pipeline");
});
afterAll(async () => {
  await sys?.stop();
});

async function poll(dept: string, key: string, expectId: string) {
  for (let i = 0; i < 10; i++) {
    const res = await sys.call("GET", `/v1/departments/${dept}/inbox?wait=1&max=1`, { key });
    expect(res.status).toBe(200);
    const item = res.body.items.find((x: { ticket: { id: string } }) => x.ticket.id === expectId);
    if (item) return item as { leaseToken: string; ticket: Record<string, any> };
  }
  throw new Error(`ticket ${expectId} never reached inbox ${dept}`);
}

describe("hotline ticket, end to end", () => {
  it("create → dispatch → poll → accept → progress → resolve → verify → closed, every step in history", async () => {
    const created = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      headers: { "idempotency-key": "call-0001" },
      body: report({ categoryId: "drainage" }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/v1/tickets/${created.body.id}`);
    const t = created.body;
    expect(t.ticketNo).toMatch(/^\d{8}-\d{6}$/);
    expect(t.status).toBe("dispatched");
    expect(t.department).toBe("water");
    expect(t.categorySource).toBe("explicit");
    expect(t.location.area).toMatchObject({ district: "dongcheng", street: "xinhua" });
    expect(Date.parse(t.dueAt)).toBeGreaterThan(Date.parse(t.createdAt));
    // Acknowledged once stored: the table's stream delivers it to the queue after the answer.
    expect(t.dispatchPending).toBe(true);

    const water = sys.keys.departments.water!;
    const item = await poll("water", water, t.id);
    expect(item.ticket.title).toBe(t.title);

    const accepted = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: { action: "accept", leaseToken: item.leaseToken },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe("accepted");

    // The lease was consumed: nothing waits in the inbox any more.
    const after = await sys.call("GET", "/v1/departments/water/inbox?wait=0", { key: water });
    expect(after.body.items.map((i: { ticket: { id: string } }) => i.ticket.id)).not.toContain(t.id);

    const progress = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: { action: "progress", note: "已派抢修班组到场" },
    });
    expect(progress.body.status).toBe("accepted");

    const resolved = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: {
        action: "resolve",
        result: "已疏通污水管道，路面已清洗",
        evidence: [{ ref: "photos/after-1.jpg" }],
      },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body.status).toBe("resolved");

    const closed = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: sys.keys.dispatcher,
      body: { action: "verify", passed: true, note: "电话核实已修复" },
    });
    expect(closed.body.status).toBe("closed");

    const stored = await sys.call("GET", `/v1/tickets/${t.id}`, { key: sys.keys.operator });
    expect(stored.status).toBe(200);
    expect(stored.body.history.map((e: { type: string; to: string }) => `${e.type}:${e.to}`)).toEqual([
      "create:received",
      "dispatch:dispatched",
      "accept:accepted",
      "progress:accepted",
      "resolve:resolved",
      "verify:closed",
    ]);
    expect(stored.body.version).toBe(6);
    expect(stored.body.resolution.evidence).toHaveLength(1);
  });

  it("failed verification sends the ticket back to the same department's queue", async () => {
    const water = sys.keys.departments.water!;
    const { body: t } = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "water-supply", title: "整栋楼停水" }),
    });
    const first = await poll("water", water, t.id);
    await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: { action: "accept", leaseToken: first.leaseToken },
    });
    await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: { action: "resolve", result: "已恢复供水" },
    });
    const failed = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: sys.keys.dispatcher,
      body: { action: "verify", passed: false, note: "回访居民称仍然停水" },
    });
    expect(failed.body.status).toBe("dispatched");
    const again = await poll("water", water, t.id);
    expect(again.ticket.status).toBe("dispatched");
  });

  it("a return (退单) goes to triage; the dispatcher assigns it elsewhere", async () => {
    const water = sys.keys.departments.water!;
    const { body: t } = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "drainage", title: "路边雨水井堵了" }),
    });
    const noReason = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: { action: "return" },
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe("reason");

    const returned = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: { action: "return", reason: "该雨水井属于小区物业管理范围" },
    });
    expect(returned.body.status).toBe("triage");
    expect(returned.body.returnCount).toBe(1);

    const triage = await poll("triage", sys.keys.dispatcher, t.id);
    expect(triage.ticket.status).toBe("triage");
    const assigned = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: sys.keys.dispatcher,
      body: { action: "assign", department: "dongcheng-xinhua", categoryId: "property-management" },
    });
    expect(assigned.body).toMatchObject({ status: "dispatched", department: "dongcheng-xinhua" });
    await poll("dongcheng-xinhua", sys.keys.departments["dongcheng-xinhua"]!, t.id);
    // The department that returned it can still read it, but no longer act on it.
    expect((await sys.call("GET", `/v1/tickets/${t.id}`, { key: water })).status).toBe(200);
    const act = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: { action: "accept" },
    });
    expect(act.status).toBe(403);
  });

  it("a report whose category cannot be told goes to triage, not to a guess", async () => {
    const res = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ title: "想反映一个情况", description: "请有关部门联系我，具体情况电话里说。" }),
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("triage");
    expect(res.body.categoryId).toBeNull();
    await poll("triage", sys.keys.dispatcher, res.body.id);
  });

  it("looks up a caller's earlier tickets by phone, newest first, with pagination", async () => {
    const phone = "13700002222";
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await sys.call("POST", "/v1/tickets", {
        key: sys.keys.operator,
        body: report({ categoryId: "noise", title: `夜间噪音扰民 ${i}`, reporter: { phone } }),
      });
      ids.push(r.body.id);
    }
    const page1 = await sys.call("GET", `/v1/tickets?phone=${phone}&limit=2`, { key: sys.keys.operator });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.cursor).toBeTruthy();
    expect(page1.body.items[0].reporter.phone).toBe("137****2222");
    const page2 = await sys.call("GET", `/v1/tickets?phone=${phone}&limit=2&cursor=${page1.body.cursor}`, {
      key: sys.keys.operator,
    });
    const all = [...page1.body.items, ...page2.body.items].map((t: { id: string }) => t.id);
    expect(all).toEqual([...ids].reverse());
    const denied = await sys.call("GET", `/v1/tickets?phone=${phone}`, { key: sys.keys.dispatcher });
    expect(denied.status).toBe(403);
  });
});

describe("重办: reopening a closed ticket", () => {
  async function closeOne(s: TestSystem) {
    const water = s.keys.departments.water!;
    const { body: t } = await s.call("POST", "/v1/tickets", {
      key: s.keys.operator,
      body: report({ categoryId: "drainage", title: "回访不满意的工单" }),
    });
    await s.call("POST", `/v1/tickets/${t.id}/actions`, { key: water, body: { action: "accept" } });
    await s.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: water,
      body: { action: "resolve", result: "已处理" },
    });
    const closed = await s.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: s.keys.dispatcher,
      body: { action: "verify", passed: true },
    });
    expect(closed.body.status).toBe("closed");
    return t.id as string;
  }

  it("an unsatisfied caller's ticket goes back to the same department within the window", async () => {
    const id = await closeOne(sys);
    const res = await sys.call("POST", `/v1/tickets/${id}/actions`, {
      key: sys.keys.operator,
      body: { action: "reopen", reason: "回访：居民表示问题没有解决" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "dispatched", department: "water", resolution: null });
  });

  it("after the window a closed ticket cannot be reopened", async () => {
    const config = defaultConfig();
    config.lifecycle.reopenWindowDays = 0;
    const strict = await startTestSystem("reopen", config);
    try {
      const id = await closeOne(strict);
      await new Promise((r) => setTimeout(r, 5));
      const res = await strict.call("POST", `/v1/tickets/${id}/actions`, {
        key: strict.keys.operator,
        body: { action: "reopen", reason: "太晚了" },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toContain("file a new ticket");
    } finally {
      await strict.stop();
    }
  });
});
