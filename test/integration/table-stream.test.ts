/**
 * The table stream is the dispatch outbox: every ticket written dispatch-pending reaches its queue through it,
 * whatever the ticket holds — here a ticket whose place is not known (an empty area map, which DynamoDB Local's
 * stream writes as `{}`: it once stopped the stream poller for every later ticket).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStreamPoller } from "../../scripts/local/stream-poller.js";
import type { Queue } from "../../shared/ports.js";
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

describe("the local stream poller: an image a newer one supersedes", () => {
  it("sends only what the newest image owes (the department never gets a ticket already returned)", async () => {
    const own = await startTestSystem("stream-supersede", defaultConfig(), { outbox: false });
    const core = own.runtime.core;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const sent: { target: string; ticketId: string }[] = [];
    let blockerId = "";
    let hanging = false;
    const queue: Queue = {
      async send(target, message) {
        const ticketId = (message as { ticketId: string }).ticketId;
        if (!hanging) {
          // the first send of all (the first ticket's) hangs until released
          hanging = true;
          blockerId = ticketId;
          await gate;
        }
        await core.queue.send(target, message);
        sent.push({ target, ticketId });
      },
      receive: (target, options) => core.queue.receive(target, options),
      delete: (target, lease) => core.queue.delete(target, lease),
    };
    // One delivery at a time: while the first ticket's send hangs, the poller reads nothing further, so the
    // second ticket's two images (dispatched, then returned) reach it together.
    const poller = startStreamPoller(
      { ...core, queue },
      { endpoint: own.settings.dynamoEndpoint!, tableName: own.settings.tableName, concurrency: 1 },
    );
    try {
      await poller.ready;
      const file = async (title: string) => {
        const res = await own.call("POST", "/v1/tickets", {
          key: own.keys.operator,
          body: report({ categoryId: "drainage", title }),
        });
        expect(res.status).toBe(201);
        return res.body as { id: string; department: string };
      };
      const blocker = await file("井盖松动一");
      await expect.poll(() => hanging, { timeout: 10_000, interval: 20 }).toBe(true); // its send hangs now
      const later = await file("井盖松动二");
      expect(later.department).toBe("water");
      const returned = await own.call("POST", `/v1/tickets/${later.id}/actions`, {
        key: own.keys.departments.water!,
        body: { action: "return", code: "other", reason: "需要分拨重新判断" },
      });
      expect(returned.status).toBe(200);
      release();
      await expect
        .poll(async () => (await core.store.get(later.id))?.dispatchPending, {
          timeout: 20_000,
          interval: 100,
        })
        .toBe(false);
      expect(sent.filter((s) => s.ticketId === later.id)).toEqual([{ target: "triage", ticketId: later.id }]);
      expect(blockerId).toBe(blocker.id); // the first ticket's send was the one held
      expect(sent.filter((s) => s.ticketId === blocker.id)).toEqual([
        { target: "water", ticketId: blocker.id },
      ]);
    } finally {
      release();
      await poller.stop();
      await own.stop();
    }
  });
});
