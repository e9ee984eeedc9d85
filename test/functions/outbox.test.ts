import { marshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { processBatch } from "../../functions/outbox.js";
import { freePort } from "../../scripts/local/stand-ins.js";
import { createAwsCore } from "../../shared/adapters/aws.js";
import { ticketItem } from "../../shared/adapters/table.js";
import type { Ticket } from "../../shared/domain/ticket.js";
import type { Queue } from "../../shared/ports.js";
import type { Core } from "../../shared/services/context.js";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

let sys: TestSystem;

beforeAll(async () => {
  // No stream consumer of its own: the test hands the Lambda's record handler the stream records itself.
  sys = await startTestSystem("outbox-fn", defaultConfig(), { outbox: false });
});
afterAll(async () => {
  await sys?.stop();
});

/** A DynamoDB Streams event as Lambda delivers it, one INSERT/MODIFY record per ticket image. */
function streamEvent(tickets: Ticket[]): DynamoDBStreamEvent {
  return {
    Records: tickets.map((t, i) => ({
      eventID: `e${i}`,
      eventName: "MODIFY",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      dynamodb: {
        Keys: marshall({ PK: `TICKET#${t.id}`, SK: "META" }) as never,
        NewImage: marshall(ticketItem(t, Buffer.alloc(32)), { removeUndefinedValues: true }) as never,
        SequenceNumber: String(100 + i),
        StreamViewType: "NEW_IMAGE",
      },
    })),
  };
}

async function file(title: string, categoryId = "street-light"): Promise<Ticket> {
  const res = await sys.call("POST", "/v1/tickets", {
    key: sys.keys.operator,
    body: report({ categoryId, title }),
  });
  expect(res.status).toBe(201);
  return (await sys.runtime.core.store.get(res.body.id)) as Ticket;
}

/** The core with another `send` on its queue (every other queue call goes to the real one). */
function withSend(core: Core, send: Queue["send"]): Core {
  const queue: Queue = {
    send,
    receive: (target, options) => core.queue.receive(target, options),
    delete: (target, lease) => core.queue.delete(target, lease),
  };
  return { ...core, queue };
}

/** How many copies of each of `ids` wait in `target`'s queue (read and deleted: the queue is left empty). */
async function copiesIn(target: string, ids: string[]): Promise<Record<string, number>> {
  const count = Object.fromEntries(ids.map((id) => [id, 0]));
  const queue = sys.runtime.core.queue;
  for (;;) {
    const got = await queue.receive(target, { max: 10, waitSeconds: 0 });
    if (!got.length) return count;
    for (const { message, lease } of got) {
      const id = (message as { ticketId?: string }).ticketId ?? "";
      if (id in count) count[id]! += 1;
      await queue.delete(target, lease);
    }
  }
}

async function pendingMarks(tickets: Ticket[]) {
  const store = sys.runtime.core.store;
  return Promise.all(tickets.map(async (t) => (await store.dispatchState(t.id))?.pending));
}

describe("the outbox Lambda (table stream → department queues)", () => {
  it("sends what was written dispatch-pending and clears the mark", async () => {
    const t = await file("路灯不亮一");
    expect(t.dispatchPending).toBe(true);
    const out = await processBatch(sys.runtime.core, streamEvent([t]), {} as Context);
    expect(out).toEqual({ batchItemFailures: [] });
    expect((await sys.runtime.core.store.get(t.id))?.dispatchPending).toBe(false);
    const inbox = await sys.call("GET", "/v1/departments/chengguan/inbox?wait=1&max=10", {
      key: sys.keys.departments.chengguan!,
    });
    expect(inbox.body.items.map((x: { ticket: { id: string } }) => x.ticket.id)).toContain(t.id);
  });

  it("reports a record whose send failed as a partial batch failure and keeps its mark", async () => {
    const t = await file("路灯不亮二");
    const broken = createAwsCore(
      { ...sys.settings, sqsEndpoint: `http://127.0.0.1:${await freePort()}` },
      defaultConfig(),
    );
    const out = await processBatch(broken, streamEvent([t]), {} as Context);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: "100" }] });
    expect((await sys.runtime.core.store.get(t.id))?.dispatchPending).toBe(true);
  });

  it("an image older than the stored ticket does not clear the newer change's mark", async () => {
    const t = await file("路灯不亮三");
    const stale = { ...t, version: t.version - 1 };
    const out = await processBatch(sys.runtime.core, streamEvent([stale]), {} as Context);
    expect(out.batchItemFailures).toEqual([]);
    expect((await sys.runtime.core.store.get(t.id))?.dispatchPending).toBe(true);
  });

  it("a consumer that dies mid-batch: the whole batch comes again and each ticket reaches its queue once", async () => {
    const tickets = [
      await file("路灯不亮四"),
      await file("孩子入学学位四", "schooling"),
      await file("路灯不亮五"),
      await file("孩子入学学位五", "schooling"),
      await file("路灯不亮六"),
    ];
    // The first invocation's first two sends go through; then its container dies (a timeout, out of memory):
    // every later send never returns, and Lambda, seeing the invocation fail, delivers the whole batch again.
    let sends = 0;
    const dying = withSend(sys.runtime.core, (target, message) =>
      ++sends <= 2 ? sys.runtime.core.queue.send(target, message) : new Promise<void>(() => undefined),
    );
    void processBatch(dying, streamEvent(tickets), {} as Context);
    await vi.waitFor(
      async () => {
        expect(sends).toBe(tickets.length);
        expect((await pendingMarks(tickets)).filter((p) => p === false)).toHaveLength(2);
      },
      { timeout: 10_000, interval: 50 },
    );

    const again = await processBatch(sys.runtime.core, streamEvent(tickets), {} as Context);
    expect(again.batchItemFailures).toEqual([]);
    expect(await pendingMarks(tickets)).toEqual(tickets.map(() => false));
    const lights = tickets.filter((t) => t.department === "chengguan").map((t) => t.id);
    const schools = tickets.filter((t) => t.department === "education").map((t) => t.id);
    expect(lights).toHaveLength(3);
    expect(schools).toHaveLength(2);
    expect(await copiesIn("chengguan", lights)).toEqual(Object.fromEntries(lights.map((id) => [id, 1])));
    expect(await copiesIn("education", schools)).toEqual(Object.fromEntries(schools.map((id) => [id, 1])));
  });

  it("a partial batch failure: the records from the failed one on come again and each is delivered once", async () => {
    const tickets = [
      await file("路灯不亮七"),
      await file("路灯不亮八"),
      await file("孩子入学学位六", "schooling"),
      await file("路灯不亮九"),
    ];
    // The third record's send fails; the others succeed. For a stream Lambda checkpoints before the first
    // failed record and redelivers from there, so the fourth (already delivered) comes again with it.
    const failing = withSend(sys.runtime.core, (target, message) =>
      (message as { ticketId?: string }).ticketId === tickets[2]!.id
        ? Promise.reject(Object.assign(new Error("queue unavailable"), { name: "ServiceUnavailable" }))
        : sys.runtime.core.queue.send(target, message),
    );
    const first = await processBatch(failing, streamEvent(tickets), {} as Context);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: "102" }]);
    expect(await pendingMarks(tickets)).toEqual([false, false, true, false]);

    const rest = streamEvent(tickets).Records.slice(2);
    const again = await processBatch(sys.runtime.core, { Records: rest }, {} as Context);
    expect(again.batchItemFailures).toEqual([]);
    expect(await pendingMarks(tickets)).toEqual([false, false, false, false]);
    const lights = [tickets[0]!.id, tickets[1]!.id, tickets[3]!.id];
    expect(await copiesIn("chengguan", lights)).toEqual(Object.fromEntries(lights.map((id) => [id, 1])));
    expect(await copiesIn("education", [tickets[2]!.id])).toEqual({ [tickets[2]!.id]: 1 });
  });

  it("clears many marks at once, leaving a mark whose ticket moved on (the local poller's batches)", async () => {
    const tickets: Ticket[] = [];
    for (let i = 0; i < 27; i++) tickets.push(await file(`路灯不亮批量${i}`));
    expect(await pendingMarks(tickets)).toEqual(tickets.map(() => true));
    const store = sys.runtime.core.store;
    // The first ticket's mark is given at an older version (a newer change of it owes its own messages), and one
    // mark comes twice: 27 tickets in two transactions, 26 marks cleared.
    const marks = tickets.map((t, i) => ({ id: t.id, version: i === 0 ? t.version - 1 : t.version }));
    const cleared = await store.clearDispatchPendingMany([...marks, marks[5]!]);
    expect(cleared).toBe(26);
    expect(await pendingMarks(tickets)).toEqual(tickets.map((_, i) => i === 0));
    expect(await store.clearDispatchPendingMany([])).toBe(0);
  });
});
