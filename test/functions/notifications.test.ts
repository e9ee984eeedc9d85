import { randomBytes } from "node:crypto";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { createRuntime } from "../../functions/lib/runtime.js";
import { handler } from "../../functions/notifications.js";
import { ensureQueues, ensureTable, freePort } from "../../scripts/local/stand-ins.js";
import { pollOutbox } from "../../shared/channels/wechat/outbox.js";
import type { Notification } from "../../shared/notify/notification.js";
import { createTicket } from "../../shared/services/intake.js";
import { defaultConfig, report } from "../support/system.js";

const record = (messageId: string, body: string): SQSRecord =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {} as SQSRecord["attributes"],
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:intake-notification",
    awsRegion: "us-east-1",
  }) as SQSRecord;

const ENV = [
  "TABLE_NAME",
  "QUEUE_URL_BASE",
  "QUEUE_PREFIX",
  "DYNAMODB_ENDPOINT",
  "SQS_ENDPOINT",
  "WECHAT_OA_TOKEN",
  "WECHAT_OA_APPID",
  "WECHAT_OA_APPSECRET",
  "WECHAT_API_BASE_URL",
];
afterEach(() => {
  for (const k of ENV) delete process.env[k];
  vi.restoreAllMocks();
});

describe("notifications (SQS-triggered Lambda)", () => {
  it("delivers each record once and reports only the failed ones as partial batch failures", async () => {
    const name = `nc-${randomBytes(3).toString("hex")}`;
    const config = defaultConfig();
    await ensureTable(inject("dynamoEndpoint"), name);
    await ensureQueues(inject("sqsEndpoint"), name, config);
    // The WeChat API is unreachable: Official Account deliveries fail (and are retried); the bot's do not.
    const env = {
      TABLE_NAME: name,
      QUEUE_URL_BASE: inject("sqsUrlBase"),
      QUEUE_PREFIX: name,
      DYNAMODB_ENDPOINT: inject("dynamoEndpoint"),
      SQS_ENDPOINT: inject("sqsEndpoint"),
      WECHAT_OA_TOKEN: "citytoken2026",
      WECHAT_OA_APPID: "wx0123456789abcdef",
      WECHAT_OA_APPSECRET: "test-app-secret-0123456789",
      WECHAT_API_BASE_URL: `http://127.0.0.1:${await freePort()}`,
    };
    Object.assign(process.env, env);
    const { settingsFromEnv } = await import("../../functions/lib/runtime.js");
    const admin = await createRuntime(settingsFromEnv(process.env), config, { quiet: true });
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const actor = { id: "channel:wechat#test", role: "channel" as const, channel: "wechat" as const };
    const file = async (channelUserId: string) =>
      (
        await createTicket(admin.core, report({ reporter: { channelUserId } }), {
          channel: "wechat",
          actor,
          idempotencyKey: channelUserId,
        })
      ).ticket;
    const botTicket = await file("bot:contact-1");
    const oaTicket = await file("oa:oOpenId0001");
    const note = (t: typeof botTicket): Notification => ({
      id: `${t.id}:${t.version}:accepted`,
      ticketId: t.id,
      ticketNo: t.ticketNo,
      version: t.version,
      kind: "accepted",
      text: `【12345】您的工单 ${t.ticketNo} 已由承办单位签收，正在办理。`,
      at: new Date().toISOString(),
    });
    const event: SQSEvent = {
      Records: [
        record("m-bot", JSON.stringify(note(botTicket))),
        record("m-oa", JSON.stringify(note(oaTicket))),
        record("m-junk", "{not json"),
      ],
    };
    const out = await handler(event, { awsRequestId: "r1" } as Context);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: "m-oa" }]);
    const outbox = await pollOutbox(admin.core, { waitSeconds: 1, max: 10 });
    expect(outbox).toEqual([
      expect.objectContaining({ contactId: "contact-1", text: expect.stringContaining(botTicket.ticketNo) }),
    ]);

    // The same batch again (SQS redelivers): the bot's message is not sent twice.
    const again = await handler({ Records: [event.Records[0]!] }, { awsRequestId: "r2" } as Context);
    expect(again.batchItemFailures).toEqual([]);
    expect(await pollOutbox(admin.core, { waitSeconds: 0, max: 10 })).toEqual([]);
  });
});
