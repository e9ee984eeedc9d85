import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report, startTestSystem, type TestSystem } from "../support/system.js";

let sys: TestSystem;

beforeAll(async () => {
  sys = await startTestSystem("desk");
});
afterAll(async () => {
  await sys?.stop();
});

describe("the operator's desk", () => {
  it("keeps the Amazon Connect contact id and records 代办 (filing for a resident) in the history", async () => {
    const res = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({
        categoryId: "drainage",
        contactId: "5f7a2c0e-1d2b-4c3a-9e8f-0a1b2c3d4e5f",
        onBehalf: true,
        reporter: { name: "孙奶奶", phone: "13611112222" },
      }),
    });
    expect(res.status).toBe(201);
    expect(res.body.contactId).toBe("5f7a2c0e-1d2b-4c3a-9e8f-0a1b2c3d4e5f");
    expect(res.body.history[0]).toMatchObject({ role: "operator", data: { onBehalf: true } });
    const got = await sys.call("GET", `/v1/tickets/${res.body.id}`, { key: sys.keys.operator });
    expect(got.body.contactId).toBe(res.body.contactId);
  });

  it("refuses a malformed contact id and 代办 from a channel gateway, storing nothing", async () => {
    const bad = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ contactId: "", reporter: { phone: "13611113333" } }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("contactId");
    const web = await sys.call("POST", "/v1/public/reports", {
      body: {
        description: "路灯不亮已经三天了",
        address: "东城区和平街道",
        phone: "13611113333",
        consent: true,
        onBehalf: true,
      },
    });
    expect(web.status).toBe(400);
    const list = await sys.call("GET", "/v1/tickets?phone=13611113333", { key: sys.keys.operator });
    expect(list.body.items).toEqual([]);
  });

  it("the caller lookup shows each earlier ticket's status and last public progress", async () => {
    const phone = "13622224444";
    const first = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "drainage", reporter: { phone } }),
    });
    const water = sys.keys.departments.water!;
    await sys.call("POST", `/v1/tickets/${first.body.id}/actions`, {
      key: water,
      body: { action: "accept" },
    });
    await sys.call("POST", `/v1/tickets/${first.body.id}/actions`, {
      key: water,
      body: { action: "progress", note: "抢修队明天上午到场" },
    });
    await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "street-light", reporter: { phone } }),
    });
    const list = await sys.call("GET", `/v1/tickets?phone=${phone}`, { key: sys.keys.operator });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    const [newer, older] = list.body.items;
    expect(older).toMatchObject({
      id: first.body.id,
      status: "accepted",
      statusText: "办理中",
      lastProgress: { status: "accepted", note: "抢修队明天上午到场" },
    });
    expect(newer.lastProgress).toBeNull();
    expect(older.reporter.phone).not.toBe(phone);
  });
});
