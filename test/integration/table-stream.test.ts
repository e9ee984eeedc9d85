/**
 * The table stream is the dispatch outbox: every ticket written dispatch-pending reaches its queue through it,
 * whatever the ticket holds — here a ticket whose place is not known (an empty area map, which DynamoDB Local's
 * stream writes as `{}`: it once stopped the stream poller for every later ticket).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem("table-stream", defaultConfig());
});
afterAll(async () => {
  await sys?.stop();
});

describe("dispatch through the table stream", () => {
  it("delivers a ticket with no known area, and the tickets after it", async () => {
    const ids: string[] = [];
    for (const [title, address] of [
      ["路灯不亮了一", "一个谁也不知道的地方"],
      ["路灯不亮了二", "东城区新华街道人民路88号"],
    ]) {
      const res = await sys.call("POST", "/v1/tickets", {
        key: sys.keys.operator,
        body: report({ categoryId: "street-light", title, location: { address } }),
      });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const unknown = await sys.runtime.core.store.get(ids[0]!);
    expect(unknown?.location.area).toEqual({});
    // No sweeper here: only the stream poller clears the marks.
    await expect
      .poll(
        async () => {
          const got = await Promise.all(ids.map((id) => sys.runtime.core.store.get(id)));
          return got.map((t) => t?.dispatchPending);
        },
        { timeout: 20_000, interval: 200 },
      )
      .toEqual([false, false]);
    const department = unknown!.department!;
    const inbox = await sys.call("GET", `/v1/departments/${department}/inbox?wait=1&max=10`, {
      key: sys.keys.departments[department]!,
    });
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.map((x: { ticket: { id: string } }) => x.ticket.id)).toContain(ids[0]);
  });
});
