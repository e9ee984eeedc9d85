import { marshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processBatch } from "../../functions/outbox.js";
import { freePort } from "../../scripts/local/stand-ins.js";
import { createAwsCore } from "../../shared/adapters/aws.js";
import { ticketItem } from "../../shared/adapters/table.js";
import type { Ticket } from "../../shared/domain/ticket.js";
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
        NewImage: marshall(ticketItem(t), { removeUndefinedValues: true }) as never,
        SequenceNumber: String(100 + i),
        StreamViewType: "NEW_IMAGE",
      },
    })),
  };
}

async function file(title: string): Promise<Ticket> {
  const res = await sys.call("POST", "/v1/tickets", {
    key: sys.keys.operator,
    body: report({ categoryId: "street-light", title }),
  });
  expect(res.status).toBe(201);
  return (await sys.runtime.core.store.get(res.body.id)) as Ticket;
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
});
