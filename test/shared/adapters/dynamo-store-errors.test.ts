import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { errorResponse } from "../../../functions/lib/http.js";
import { DynamoTicketStore } from "../../../shared/adapters/dynamo-store.js";
import {
  eventItem,
  keys,
  ticketFromItems,
  ticketItem,
  ticketSideItems,
} from "../../../shared/adapters/table.js";
import { ConflictError, ValidationError } from "../../../shared/domain/errors.js";
import { newTicket, transition } from "../../../shared/domain/lifecycle.js";
import type { Ticket } from "../../../shared/domain/ticket.js";
import { statsDeltas } from "../../../shared/routing/stats.js";
import { caught } from "../../support/caught.js";

const TABLE = "tickets-under-test";
const NOW = new Date("2026-05-06T07:08:09.000Z");

const ddbMock = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" }));
const store = new DynamoTicketStore(doc, TABLE);

beforeEach(() => {
  ddbMock.reset();
});

/** A dispatched ticket: META + two history events (create, dispatch). */
function dispatchedTicket(id = "tkt-100"): Ticket {
  const received = newTicket(
    {
      id,
      ticketNo: "20260506-000100",
      channel: "web",
      requestType: "complaint",
      title: "Overflowing bins",
      description: "The bins behind the market have not been emptied",
      categoryId: "sanitation",
      categorySource: "explicit",
      suggestion: null,
      location: { address: "Market Lane" },
      reporter: { phone: "13700001234", anonymous: false },
      attachments: [],
      urgency: "normal",
    },
    { id: "web", role: "system" },
    NOW,
  );
  return transition(
    received,
    { type: "dispatch", department: "cleansing", dueAt: "2026-05-13T07:08:09.000Z" },
    { id: "system", role: "system" },
    NOW,
  ).ticket;
}

function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(", ")}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) =>
      Code === "None" ? { Code } : { Code, Message: `${Code} here` },
    ),
  });
}

const throttled = () =>
  new ThrottlingException({ message: "Rate of requests exceeds the allowed throughput", $metadata: {} });

describe("DynamoTicketStore.create", () => {
  const idem = { key: "hotline-call-77", ticketId: "tkt-100", requestHash: "hash-of-the-request" };

  it("returns duplicate with the stored record when the idempotency item's condition fails", async () => {
    const ticket = dispatchedTicket();
    const nonIdem =
      1 +
      1 + // the history events: one item
      ticketSideItems(ticket).length +
      statsDeltas(ticket, ticket.history, 480).length;
    ddbMock
      .on(TransactWriteCommand)
      .rejects(cancelled(...Array(nonIdem).fill("None"), "ConditionalCheckFailed"));
    ddbMock.on(GetCommand).resolves({
      Item: { ...keys.idempotency(idem.key), ticketId: "tkt-earlier", requestHash: idem.requestHash },
    });

    const outcome = await store.create(ticket, idem);

    expect(outcome).toEqual({
      outcome: "duplicate",
      record: { key: idem.key, ticketId: "tkt-earlier", requestHash: idem.requestHash },
    });
    const writes = ddbMock.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    const items = writes[0]!.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(nonIdem + 1);
    expect(items.at(-1)?.Put?.Item).toMatchObject(keys.idempotency(idem.key));
    expect(items.at(-1)?.Put?.ConditionExpression).toContain("attribute_not_exists");
    const gets = ddbMock.commandCalls(GetCommand);
    expect(gets).toHaveLength(1);
    expect(gets[0]!.args[0].input).toMatchObject({
      TableName: TABLE,
      Key: keys.idempotency(idem.key),
      ConsistentRead: true,
    });
  });

  it("rethrows when the idempotency condition failed but the record cannot be read back", async () => {
    const ticket = dispatchedTicket();
    const error = cancelled(...Array(1 + 1).fill("None"), "ConditionalCheckFailed");
    ddbMock.on(TransactWriteCommand).rejects(error);
    ddbMock.on(GetCommand).resolves({});
    expect(await caught(store.create(ticket, idem))).toBe(error);
  });

  it("rethrows a failed condition on the ticket item itself (id collision) without treating it as a duplicate", async () => {
    const ticket = dispatchedTicket();
    const error = cancelled("ConditionalCheckFailed", "None", "None");
    ddbMock.on(TransactWriteCommand).rejects(error);
    expect(await caught(store.create(ticket, idem))).toBe(error);
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it("retries a TransactionConflict and then succeeds", async () => {
    const ticket = dispatchedTicket();
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled("TransactionConflict", "None", "None", "None"))
      .resolves({});
    ddbMock.on(GetCommand).resolves({});

    expect(await store.create(ticket, idem)).toEqual({ outcome: "created" });
    const writes = ddbMock.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(2);
    // The same items; a fresh ClientRequestToken, since the first attempt did not commit.
    const { ClientRequestToken: t1, ...first } = writes[0]!.args[0].input;
    const { ClientRequestToken: t2, ...second } = writes[1]!.args[0].input;
    expect(second).toEqual(first);
    expect(t1).toMatch(/^[0-9a-f-]{36}$/);
    expect(t2).not.toBe(t1);
    // between attempts it checks whether a concurrent request with the same key has won
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(1);
  });

  it("a TransactionConflict lost to a concurrent create with the same key → duplicate", async () => {
    const ticket = dispatchedTicket();
    ddbMock.on(TransactWriteCommand).rejects(cancelled("None", "None", "None", "TransactionConflict"));
    ddbMock.on(GetCommand).resolves({ Item: { ticketId: "tkt-winner", requestHash: idem.requestHash } });
    expect(await store.create(ticket, idem)).toEqual({
      outcome: "duplicate",
      record: { key: idem.key, ticketId: "tkt-winner", requestHash: idem.requestHash },
    });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it("retries a TransactionConflict without an idempotency key too", async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled("TransactionConflict", "None", "None"))
      .rejectsOnce(cancelled("TransactionConflict", "None", "None"))
      .resolves({});
    expect(await store.create(dispatchedTicket(), null)).toEqual({ outcome: "created" });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(3);
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it("lets a ThrottlingException propagate unchanged, without retrying it itself", async () => {
    const error = throttled();
    ddbMock.on(TransactWriteCommand).rejects(error);
    expect(await caught(store.create(dispatchedTicket(), idem))).toBe(error);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it("writes the ticket with its sparse PENDING index key while dispatch is pending", async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    const ticket = dispatchedTicket();
    expect(ticket.dispatchPending).toBe(true);
    await store.create(ticket, null);
    const meta = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems?.[0]?.Put?.Item;
    expect(meta?.GSI1PK).toBe(keys.pendingPartition);
    expect(meta?.ticket).toMatchObject({ id: ticket.id, dispatchPending: true });
  });
});

/** A dispatched ticket and the save its department's accept would make. */
function acceptedBy(department: string) {
  const before = dispatchedTicket();
  return {
    before,
    ...transition(before, { type: "accept" }, { id: "clerk", role: "department", department }, NOW),
  };
}

describe("DynamoTicketStore.save", () => {
  it("a transaction cancelled because DynamoDB throttled an item → throttling (429), not a conflict", async () => {
    const { before, ticket, events } = acceptedBy("cleansing");
    ddbMock.on(TransactWriteCommand).rejects(cancelled("ThrottlingError", "None"));
    const err = await caught(store.save(ticket, events, before.version));
    expect((err as Error).name).toBe("ThrottlingException");
    expect(errorResponse(err).statusCode).toBe(429);
    ddbMock.on(TransactWriteCommand).rejects(cancelled("None", "ThrottlingError"));
    expect(errorResponse(await caught(store.create(dispatchedTicket(), null))).statusCode).toBe(429);
  });

  it("a failed version condition → ConflictError", async () => {
    const { before, ticket, events } = acceptedBy("cleansing");
    ddbMock.on(TransactWriteCommand).rejects(cancelled("ConditionalCheckFailed", "None"));

    const err = await caught(store.save(ticket, events, before.version));
    expect(err).toBeInstanceOf(ConflictError);
    const put = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems?.[0]?.Put;
    expect(put?.ExpressionAttributeValues).toEqual({ ":expected": before.version });
    expect(errorResponse(err).statusCode).toBe(409);
  });

  it("a TransactionConflict → ConflictError (the caller reloads and retries)", async () => {
    const ticket = dispatchedTicket();
    ddbMock.on(TransactWriteCommand).rejects(cancelled("TransactionConflict", "None"));
    expect(await caught(store.save(ticket, [], ticket.version - 1))).toBeInstanceOf(ConflictError);
  });

  it("a ThrottlingException propagates as itself, not as a conflict", async () => {
    const error = throttled();
    ddbMock.on(TransactWriteCommand).rejects(error);
    const ticket = dispatchedTicket();
    expect(await caught(store.save(ticket, [], ticket.version - 1))).toBe(error);
  });
});

describe("DynamoTicketStore.get and clearDispatchPending", () => {
  it("get: a ThrottlingException propagates", async () => {
    const error = throttled();
    ddbMock.on(QueryCommand).rejects(error);
    expect(await caught(store.get("tkt-1"))).toBe(error);
  });

  it("clearDispatchPending returns false when the ticket has moved on", async () => {
    ddbMock
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }),
      );
    expect(await store.clearDispatchPending("tkt-1", 4)).toBe(false);
    const input = ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.Key).toEqual(keys.ticket("tkt-1"));
    expect(input.ExpressionAttributeValues).toMatchObject({ ":v": 4 });
    expect(input.UpdateExpression).toContain("REMOVE GSI1PK");
  });

  it("clearDispatchPending returns true when the update succeeds", async () => {
    ddbMock.on(UpdateCommand).resolves({});
    expect(await store.clearDispatchPending("tkt-1", 4)).toBe(true);
  });

  it("clearDispatchPending rethrows anything else", async () => {
    const error = throttled();
    ddbMock.on(UpdateCommand).rejects(error);
    expect(await caught(store.clearDispatchPending("tkt-1", 4))).toBe(error);
  });
});

describe("DynamoTicketStore cursors", () => {
  const asCursor = (value: string) => Buffer.from(value).toString("base64url");
  const invalid = [
    "%%%not-a-cursor%%%",
    asCursor("[1,2,3]"),
    asCursor("42"),
    asCursor("null"),
    asCursor("{broken"),
  ];

  it("an invalid cursor → ValidationError on field 'cursor', before anything is queried", async () => {
    for (const cursor of invalid) {
      for (const call of [
        () => store.listByStatus("dispatched", 10, cursor),
        () => store.listByReporterPhone("13700001234", 10, cursor),
      ]) {
        const err = await caught(call());
        expect(err, cursor).toBeInstanceOf(ValidationError);
        expect((err as ValidationError).field).toBe("cursor");
        expect(errorResponse(err).statusCode).toBe(400);
      }
    }
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it("a cursor handed out by one page resumes exactly where it stopped", async () => {
    const ticket = dispatchedTicket();
    const item = ticketItem(ticket, Buffer.alloc(32));
    const lastKey = { PK: item.PK, SK: item.SK, GSI2PK: item.GSI2PK, GSI2SK: item.GSI2SK };
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [item], LastEvaluatedKey: lastKey })
      .resolves({ Items: [] });

    const first = await store.listByStatus("dispatched", 1);
    expect(first.items.map((t) => t.id)).toEqual([ticket.id]);
    expect(first.cursor).toEqual(expect.any(String));

    const second = await store.listByStatus("dispatched", 1, first.cursor);
    expect(second).toEqual({ items: [], cursor: undefined });
    const calls = ddbMock.commandCalls(QueryCommand);
    expect(calls[0]!.args[0].input.ExclusiveStartKey).toBeUndefined();
    expect(calls[1]!.args[0].input.ExclusiveStartKey).toEqual(lastKey);
  });
});

describe("functions/lib/http.ts errorResponse for AWS errors", () => {
  const bodyOf = (res: ReturnType<typeof errorResponse>) =>
    JSON.parse(String(res.body)) as { error: Record<string, unknown> };

  it("maps a ThrottlingException coming out of the store to 429 with Retry-After", async () => {
    ddbMock.on(QueryCommand).rejects(throttled());
    const res = errorResponse(await caught(store.get("tkt-1")));
    expect(res.statusCode).toBe(429);
    expect(res.headers?.["retry-after"]).toBeDefined();
    const body = bodyOf(res);
    expect(body.error.code).toBe("too_many_requests");
    expect(JSON.stringify(body)).not.toContain("allowed throughput");
  });

  it("maps ProvisionedThroughputExceededException to 429", () => {
    const err = new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} });
    expect(errorResponse(err).statusCode).toBe(429);
  });

  it("maps unknown errors to 500 without message, stack or other details", async () => {
    const secretive = new Error("connect ECONNREFUSED 10.0.3.7:8000 password=hunter2");
    const cancel = cancelled("ValidationError", "None");
    for (const err of [secretive, cancel, "a thrown string", { weird: true }, undefined]) {
      const res = errorResponse(err);
      expect(res.statusCode).toBe(500);
      const body = bodyOf(res);
      expect(Object.keys(body.error).sort()).toEqual(["code", "message"]);
      expect(body.error.code).toBe("internal");
      const text = String(res.body);
      for (const leak of [
        "hunter2",
        "10.0.3.7",
        "ECONNREFUSED",
        "stack",
        "CancellationReasons",
        "weird",
        " at ",
      ]) {
        expect(text).not.toContain(leak);
      }
    }
  });
});

describe("history items", () => {
  it("one item holds the events of one write; items of one event each (written before) are read too", () => {
    const ticket = dispatchedTicket();
    const [received, dispatched] = ticket.history;
    expect(ticket.history).toHaveLength(2);
    const one = eventItem(ticket.id, ticket.history);
    expect(one).toMatchObject({ ...keys.event(ticket.id, received!), entity: "event" });
    const meta = ticketItem(ticket, Buffer.alloc(32));
    expect(ticketFromItems(meta, [one]).history).toEqual(ticket.history);
    // the older layout: one item per event, in any order
    const old = [dispatched!, received!].map((event) => ({
      ...keys.event(ticket.id, event),
      entity: "event",
      event,
    }));
    expect(ticketFromItems(meta, old).history).toEqual(ticket.history);
    expect(() => eventItem(ticket.id, [])).toThrow();
  });
});
