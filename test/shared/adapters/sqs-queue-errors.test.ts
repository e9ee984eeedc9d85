import { DynamoDBClient, ThrottlingException } from "@aws-sdk/client-dynamodb";
import {
  DeleteMessageCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  RequestThrottled,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
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
import { createAwsCore } from "../../../shared/adapters/aws.js";
import { SqsQueue } from "../../../shared/adapters/sqs-queue.js";
import { eventItem, keys, ticketItem, ticketSideItems } from "../../../shared/adapters/table.js";
import cityJson from "../../../shared/config/city.json" with { type: "json" };
import { parseCityConfig } from "../../../shared/config/load.js";
import type { Actor } from "../../../shared/domain/lifecycle.js";
import { QueueMessage, type Ticket } from "../../../shared/domain/ticket.js";
import { createLogger } from "../../../shared/log.js";
import { statsDeltas } from "../../../shared/routing/stats.js";
import { applyAction } from "../../../shared/services/actions.js";
import { sweepPending } from "../../../shared/services/delivery.js";
import { createTicket } from "../../../shared/services/intake.js";
import { caught } from "../../support/caught.js";

const URL_BASE = "https://sqs.us-east-1.amazonaws.com/123456789012/";
const PREFIX = "cri-test";
const NOW = new Date("2026-06-02T02:30:00.000Z");

const requestThrottled = () => new RequestThrottled({ message: "Request is throttled.", $metadata: {} });

describe("SqsQueue error paths", () => {
  const sqs = new SQSClient({ region: "us-east-1" });
  const sqsMock = mockClient(sqs);
  const queue = new SqsQueue(sqs, URL_BASE, PREFIX);
  const message: QueueMessage = {
    ticketId: "tkt-9",
    ticketNo: "20260602-000009",
    version: 2,
    department: "water",
    status: "dispatched",
    categoryId: "drainage",
    title: "Blocked drain",
    urgency: "high",
    dueAt: "2026-06-03T02:30:00.000Z",
  };

  beforeEach(() => {
    sqsMock.reset();
  });

  it("send: a throttled SendMessage propagates to the caller", async () => {
    const error = requestThrottled();
    sqsMock.on(SendMessageCommand).rejects(error);
    expect(await caught(queue.send("water", message))).toBe(error);
    const input = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input.QueueUrl).toBe(`${URL_BASE}${PREFIX}-water`);
    expect(QueueMessage.parse(JSON.parse(input.MessageBody ?? ""))).toEqual(message);
  });

  it("send: a missing queue propagates too", async () => {
    sqsMock
      .on(SendMessageCommand)
      .rejects(new QueueDoesNotExist({ message: "no such queue", $metadata: {} }));
    expect(await caught(queue.send("nowhere", message))).toBeInstanceOf(QueueDoesNotExist);
  });

  it("receive: an unparsable body becomes a null message with its lease kept", async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({
      Messages: [
        { Body: "{not json", ReceiptHandle: "lease-1" },
        { Body: JSON.stringify(message), ReceiptHandle: "lease-2" },
        { ReceiptHandle: "lease-3" },
      ],
    });
    const got = await queue.receive("water", { max: 10, waitSeconds: 0 });
    expect(got).toEqual([
      { message: null, lease: "lease-1" },
      { message, lease: "lease-2" },
      { message: null, lease: "lease-3" },
    ]);
  });

  it("receive: an empty response is an empty list; errors propagate", async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({}).rejects(requestThrottled());
    expect(await queue.receive("water", { max: 1, waitSeconds: 0, visibilitySeconds: 30 })).toEqual([]);
    expect(sqsMock.commandCalls(ReceiveMessageCommand)[0]!.args[0].input.VisibilityTimeout).toBe(30);
    expect(await caught(queue.receive("water", { max: 1, waitSeconds: 0 }))).toBeInstanceOf(RequestThrottled);
  });

  it("delete: errors propagate", async () => {
    sqsMock.on(DeleteMessageCommand).rejects(requestThrottled());
    expect(await caught(queue.delete("water", "lease-1"))).toBeInstanceOf(RequestThrottled);
    expect(sqsMock.commandCalls(DeleteMessageCommand)[0]!.args[0].input).toEqual({
      QueueUrl: `${URL_BASE}${PREFIX}-water`,
      ReceiptHandle: "lease-1",
    });
  });
});

describe("functions/lib/http.ts errorResponse for SQS errors", () => {
  it("a queue that does not exist is an internal error without details", () => {
    const res = errorResponse(
      new QueueDoesNotExist({ message: `queue ${URL_BASE}${PREFIX}-x`, $metadata: {} }),
    );
    expect(res.statusCode).toBe(500);
    expect(String(res.body)).not.toContain(URL_BASE);
  });

  it("maps SQS RequestThrottled to 429 like other throttling", async () => {
    const sqs = new SQSClient({ region: "us-east-1" });
    const sqsMock = mockClient(sqs);
    sqsMock.on(ReceiveMessageCommand).rejects(requestThrottled());
    const err = await caught(
      new SqsQueue(sqs, URL_BASE, PREFIX).receive("water", { max: 1, waitSeconds: 0 }),
    );
    sqsMock.restore();
    expect(errorResponse(err).statusCode).toBe(429);
  });
});

describe("services on a mocked AWS core: a failed queue send loses nothing", () => {
  const config = parseCityConfig(cityJson, "shared/config/city.json");
  config.dedup.enabled = false; // these tests count the table calls of delivery alone
  const ddb = new DynamoDBClient({ region: "us-east-1" });
  const clients = {
    ddb,
    doc: DynamoDBDocumentClient.from(ddb),
    sqs: new SQSClient({ region: "us-east-1" }),
  };
  const docMock = mockClient(clients.doc);
  const sqsMock = mockClient(clients.sqs);
  const lines: string[] = [];
  const core = createAwsCore(
    { region: "us-east-1", tableName: "tickets", queueUrlBase: URL_BASE, queuePrefix: PREFIX },
    config,
    { clients, clock: { now: () => NOW }, log: createLogger({}, (l) => lines.push(l), "debug") },
  );
  const operator: Actor = { id: "operator-3", role: "operator" };

  // a category routed city-wide, so the ticket is dispatched straight away
  const rule = config.routing.find((r) => !r.area)!;
  const report = {
    title: "Report for the tests",
    description: "Something in the street needs looking at",
    categoryId: rule.category,
    location: { address: "1 Test Street" },
    reporter: { phone: "13600002468" },
  };

  beforeEach(() => {
    docMock.reset();
    sqsMock.reset();
    lines.length = 0;
    docMock.on(UpdateCommand, { UpdateExpression: "ADD #n :one" }).resolves({ Attributes: { n: 41 } });
    docMock.on(GetCommand).resolves({});
    docMock.on(TransactWriteCommand).resolves({});
  });

  const clearCalls = () =>
    docMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.UpdateExpression?.includes("GSI1PK"));

  it("createTicket: SendMessage throttled → ticket stored with dispatchPending and still returned", async () => {
    sqsMock.on(SendMessageCommand).rejects(requestThrottled());

    const { ticket, created } = await createTicket(core, report, {
      channel: "hotline",
      actor: operator,
      idempotencyKey: "call-0001",
    });

    expect(created).toBe(true);
    expect(ticket.status).toBe("dispatched");
    expect(ticket.department).toBe(rule.department);
    expect(ticket.dispatchPending).toBe(true);
    expect(ticket.ticketNo).toMatch(/-000041$/);

    const writes = docMock.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    const items = writes[0]!.args[0].input.TransactItems ?? [];
    const meta = items[0]?.Put?.Item;
    expect(meta?.GSI1PK).toBe("PENDING");
    expect(meta?.GSI1PK).toBe(keys.pendingPartition);
    expect(meta?.ticket).toMatchObject({ id: ticket.id, status: "dispatched", dispatchPending: true });
    // one item for the history events, the number lookup item, the statistics counters (退单率…) and the
    // idempotency record: one transaction
    const counters = statsDeltas(ticket, ticket.history, 480).length;
    expect(items).toHaveLength(1 + 1 + ticketSideItems(ticket).length + counters + 1);
    // the key is scoped to the channel and the caller, so two operators' "call-0001" never collide
    expect(items.at(-1)?.Put?.Item).toMatchObject(keys.idempotency("hotline:operator-3:call-0001"));

    // the send was attempted at the department's queue, and the pending mark was left alone
    const sends = sqsMock.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.args[0].input.QueueUrl).toBe(`${URL_BASE}${PREFIX}-${rule.department}`);
    expect(clearCalls()).toHaveLength(0);

    const warn = lines.map((l) => JSON.parse(l)).find((r) => r.level === "warn");
    expect(warn).toMatchObject({ ticketId: ticket.id, error: "RequestThrottled" });
    expect(lines.join("\n")).not.toContain(report.reporter.phone);
  });

  it("createTicket: a throttled send of a triage ticket is left pending for the triage queue", async () => {
    sqsMock.on(SendMessageCommand).rejects(new ThrottlingException({ message: "throttled", $metadata: {} }));
    const { categoryId: _omit, ...uncategorised } = report;
    const { ticket } = await createTicket(core, uncategorised, { channel: "web", actor: operator });
    expect(ticket.status).toBe("triage");
    expect(ticket.dispatchPending).toBe(true);
    expect(sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input.QueueUrl).toBe(
      `${URL_BASE}${PREFIX}-triage`,
    );
    expect(
      docMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems?.[0]?.Put?.Item?.GSI1PK,
    ).toBe("PENDING");
  });

  it("createTicket: for contrast, a successful send clears the mark at the stored version", async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: "m-1" });
    docMock.on(UpdateCommand, { UpdateExpression: "SET #t.#dp = :false REMOVE GSI1PK, GSI1SK" }).resolves({});
    const { ticket } = await createTicket(core, report, { channel: "hotline", actor: operator });
    expect(ticket.dispatchPending).toBe(false);
    const clears = clearCalls();
    expect(clears).toHaveLength(1);
    expect(clears[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ":v": ticket.version });
  });

  it("createTicket: a failure to clear the mark after a good send still returns the delivered ticket", async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: "m-2" });
    docMock
      .on(UpdateCommand, { UpdateExpression: "SET #t.#dp = :false REMOVE GSI1PK, GSI1SK" })
      .rejects(new ThrottlingException({ message: "throttled", $metadata: {} }));
    const { ticket, created } = await createTicket(core, report, { channel: "hotline", actor: operator });
    expect(created).toBe(true);
    expect(ticket.dispatchPending).toBe(false);
    expect(lines.some((l) => JSON.parse(l).level === "warn")).toBe(true);
  });

  /** DynamoDB items for a stored ticket, as a Query on its partition would return them. */
  const storedItems = (ticket: Ticket) => [
    ticketItem(ticket, Buffer.alloc(32)),
    eventItem(ticket.id, ticket.history),
  ];

  it("applyAction: a return whose triage send fails is saved pending and returned pending", async () => {
    sqsMock.on(SendMessageCommand).rejects(requestThrottled());
    const { ticket: stored } = await createTicket(core, report, { channel: "hotline", actor: operator });
    docMock.resetHistory();
    sqsMock.resetHistory();
    docMock.on(QueryCommand).resolves({ Items: storedItems(stored) });

    const clerk: Actor = { id: "clerk-1", role: "department", department: rule.department };
    const after = await applyAction(
      core,
      stored.id,
      { action: "return", reason: "belongs elsewhere" },
      clerk,
    );

    expect(after.status).toBe("triage");
    expect(after.dispatchPending).toBe(true);
    const put = docMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems?.[0]?.Put;
    expect(put?.Item?.GSI1PK).toBe("PENDING");
    expect(put?.ExpressionAttributeValues).toEqual({ ":expected": stored.version });
    expect(sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input.QueueUrl).toBe(
      `${URL_BASE}${PREFIX}-triage`,
    );
    expect(clearCalls()).toHaveLength(0);
  });

  it("sweepPending: counts a failed re-send, then delivers once the queue recovers", async () => {
    sqsMock.on(SendMessageCommand).rejects(requestThrottled());
    const { ticket: pending } = await createTicket(core, report, { channel: "hotline", actor: operator });
    const later = { ...core, clock: { now: () => new Date(NOW.getTime() + 5 * 60_000) } };
    docMock.on(QueryCommand).resolves({ Items: [ticketItem(pending, Buffer.alloc(32))] });

    expect(await sweepPending(later)).toEqual({ seen: 1, delivered: 0, failed: 1 });
    expect(clearCalls()).toHaveLength(0);

    sqsMock.on(SendMessageCommand).resolves({ MessageId: "m-3" });
    docMock.on(UpdateCommand, { UpdateExpression: "SET #t.#dp = :false REMOVE GSI1PK, GSI1SK" }).resolves({});
    expect(await sweepPending(later)).toEqual({ seen: 1, delivered: 1, failed: 0 });
    expect(clearCalls()).toHaveLength(1);
    const query = docMock.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(query).toMatchObject({
      IndexName: "GSI1",
      ExpressionAttributeValues: { ":pk": keys.pendingPartition },
    });
  });

  it("sweepPending leaves tickets younger than the grace period alone", async () => {
    sqsMock.on(SendMessageCommand).rejects(requestThrottled());
    const { ticket: pending } = await createTicket(core, report, { channel: "hotline", actor: operator });
    sqsMock.resetHistory();
    docMock.on(QueryCommand).resolves({ Items: [ticketItem(pending, Buffer.alloc(32))] });
    expect(await sweepPending(core, { graceSeconds: 30 })).toEqual({ seen: 1, delivered: 0, failed: 0 });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});
