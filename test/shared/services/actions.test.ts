import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOutbox } from "../../../shared/adapters/sms.js";
import { report, startTestSystem, type TestSystem } from "../../support/system.js";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem("actions");
});
afterAll(async () => {
  await sys?.stop();
});

describe("applyAction: merge", () => {
  it("merges a returned repeat into its parent and tells the reporter the parent's number", async () => {
    const file = async (phone: string) =>
      (
        await sys.call("POST", "/v1/tickets", {
          key: sys.keys.operator,
          body: report({ categoryId: "drainage", reporter: { name: "孙七", phone } }),
        })
      ).body;
    const parent = await file("13600005551");
    const child = await file("13600005552");
    const water = sys.keys.departments.water!;
    const returned = await sys.call("POST", `/v1/tickets/${child.id}/actions`, {
      key: water,
      body: { action: "return", code: "duplicate", duplicateOf: parent.id, reason: "与另一工单同一个井" },
    });
    expect(returned.body.status).toBe("triage");
    const merged = await sys.call("POST", `/v1/tickets/${child.id}/actions`, {
      key: sys.keys.dispatcher,
      body: { action: "merge", parentId: parent.id },
    });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ status: "merged", parentId: parent.id });
    // The parent is read once for the merge: its number still reaches the child's reporter.
    await expect
      .poll(
        () =>
          readOutbox(sys.settings.smsOutboxFile!).find(
            (e) => e.ticketNo === child.ticketNo && e.text.includes("合并"),
          )?.text,
        { timeout: 10_000 },
      )
      .toContain(parent.ticketNo);
  });

  it("refuses a parent that does not exist, naming the field", async () => {
    const { body: t } = await sys.call("POST", "/v1/tickets", {
      key: sys.keys.operator,
      body: report({ categoryId: "drainage", reporter: { phone: "13600005553" } }),
    });
    await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: sys.keys.departments.water!,
      body: { action: "return", code: "other", reason: "需要分拨重新判断" },
    });
    const res = await sys.call("POST", `/v1/tickets/${t.id}/actions`, {
      key: sys.keys.dispatcher,
      body: { action: "merge", parentId: "00000000-0000-4000-8000-000000000000" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("parentId");
    expect((await sys.runtime.core.store.get(t.id))?.status).toBe("triage");
  });
});
