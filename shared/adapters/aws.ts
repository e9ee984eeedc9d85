import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createWechatApiClient } from "../channels/wechat/api-client.js";
import { createWechatSender } from "../channels/wechat/sender.js";
import { createChannelCallbacks } from "../closure/callbacks.js";
import { smsNotificationSender } from "../closure/sms.js";
import type { CityConfig } from "../config/schema.js";
import { type Logger, silentLogger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Clock, Queue, SmsNotifier, UploadStore } from "../ports.js";
import type { AreaLocator } from "../routing/area.js";
import { secretsFrom } from "../security/secrets.js";
import { type CategorySuggester, type Core, createCore } from "../services/context.js";
import { type AwsSettings, CALL_LIMITS, LOCAL_CREDENTIALS } from "./aws-settings.js";
import { DynamoConversationStore } from "./dynamo-conversations.js";
import { DynamoTicketStore } from "./dynamo-store.js";
import { FileSmsOutbox } from "./sms.js";

/**
 * The photo bucket, with the S3 client and presigner loaded on first use: only the upload routes ever call it,
 * and importing them at start-up cost every function's cold start (docs/deploy.md).
 */
function lazyS3Uploads(region: string, bucket: string): UploadStore {
  let store: Promise<UploadStore> | undefined;
  const load = () =>
    (store ??= import("./s3-uploads.js")
      .then(({ S3UploadStore }) => new S3UploadStore({ region }, bucket))
      .catch((err: unknown) => {
        store = undefined;
        throw err;
      }));
  return {
    presign: async (input) => (await load()).presign(input),
    exists: async (ref) => (await load()).exists(ref),
  };
}

export { type AwsSettings, CALL_LIMITS } from "./aws-settings.js";

/**
 * The SQS queue now: @aws-sdk/client-sqs imported (a chunk of its own in a bundle) and its client built. The
 * runtime does this at start-up unless the function's role may use no queue (`sqsClient: "on-demand"`).
 */
export async function createSqsQueue(
  settings: AwsSettings,
  client?: SQSClient,
): Promise<{ queue: Queue; sqs: SQSClient }> {
  const { SqsQueue, createSqsClient } = await import("./sqs-queue.js");
  const sqs = client ?? createSqsClient(settings);
  return { queue: new SqsQueue(sqs, settings.queueUrlBase, settings.queuePrefix), sqs };
}

/**
 * The SQS queue with its client loaded and built on the first call: for the functions that never send or
 * receive (24 of 34), so that their cold start never evaluates @aws-sdk/client-sqs (docs/deploy.md).
 */
function lazySqsQueue(settings: AwsSettings, client?: SQSClient): Queue {
  let queue: Promise<Queue> | undefined;
  const load = () =>
    (queue ??= createSqsQueue(settings, client)
      .then((q) => q.queue)
      .catch((err: unknown) => {
        queue = undefined;
        throw err;
      }));
  return {
    send: async (target, message) => (await load()).send(target, message),
    receive: async (target, options) => (await load()).receive(target, options),
    delete: async (target, lease) => (await load()).delete(target, lease),
    ping: async () => (await load()).ping?.(),
  };
}

/** The process's AWS clients; `sqs` once built (at start-up, or by a test that mocks it). */
export interface AwsClients {
  ddb: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  sqs?: SQSClient;
}

/** One DynamoDB DocumentClient per process, created at initialisation (SQS: createSqsQueue). */
export function createClients(s: AwsSettings) {
  const limits = { ...CALL_LIMITS, ...s.limits };
  const ddb = new DynamoDBClient({
    region: s.region,
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: limits.connectionTimeout,
      requestTimeout: limits.dynamoRequestTimeout,
      throwOnRequestTimeout: true,
    },
    ...(s.dynamoEndpoint ? { endpoint: s.dynamoEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
  const doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
  return { ddb, doc };
}

export function createAwsCore(
  settings: AwsSettings,
  config: CityConfig,
  extra: {
    log?: Logger;
    metrics?: Metrics;
    clock?: Clock;
    classifier?: CategorySuggester | null;
    clients?: AwsClients;
    /** The queue already built (createSqsQueue); else SQS is loaded on the first queue call. */
    queue?: Queue;
    /** The area index, when not built now (createCore). */
    areas?: AreaLocator;
    dispatch?: "stream" | "inline";
    uploads?: UploadStore;
  } = {},
): Core & { clients: AwsClients } {
  const clients: AwsClients = extra.clients ?? createClients(settings);
  // Without INTAKE_SECRET every process must still agree (Lambda containers, the CLI): a key derived from the
  // table name, public and so no better than the bare hash it replaced — set INTAKE_SECRET in production.
  const secrets = secretsFrom(settings.secret ?? `intake-unkeyed/${settings.tableName}`.padEnd(16, "#"));
  const store = new DynamoTicketStore(
    clients.doc,
    settings.tableName,
    secrets,
    settings.confirmWrites,
    config.deadlines,
    config.city.timezoneOffsetMinutes,
  );
  const queue = extra.queue ?? lazySqsQueue(settings, clients.sqs);
  // SMS for web, hotline and Open311 reporters: a recorder locally, Amazon SNS in AWS (loaded on first use, so
  // functions that never text pay nothing for the SNS client at cold start).
  let sns: Promise<SmsNotifier> | undefined;
  const sms: SmsNotifier = settings.smsOutboxFile
    ? new FileSmsOutbox(settings.smsOutboxFile)
    : {
        send: async (phone, text, meta) => {
          sns ??= Promise.all([import("@aws-sdk/client-sns"), import("./sns-sms.js")]).then(
            ([{ SNSClient }, { SnsSmsNotifier }]) =>
              new SnsSmsNotifier(new SNSClient({ region: settings.region })),
          );
          return (await sns).send(phone, text, meta);
        },
      };
  const smsSender = smsNotificationSender(sms);
  const oa = settings.wechat?.oa;
  const wechatSender = createWechatSender({
    queue,
    api:
      oa?.appSecret && settings.wechat
        ? createWechatApiClient({
            baseUrl: settings.wechat.apiBaseUrl,
            appId: oa.appId,
            appSecret: oa.appSecret,
          })
        : null,
    ...(oa?.templateId ? { templateId: oa.templateId } : {}),
    log: extra.log ?? silentLogger,
  });
  const core: Core & { clients: AwsClients } = {
    ...createCore({
      config,
      store,
      keys: store,
      dedup: store,
      queue,
      conversations: new DynamoConversationStore(clients.doc, settings.tableName),
      wechat: settings.wechat ?? null,
      log: extra.log,
      metrics: extra.metrics,
      clock: extra.clock,
      classifier: extra.classifier,
      senders: { web: smsSender, hotline: smsSender, open311: smsSender, wechat: wechatSender },
      publicBaseUrl: settings.publicBaseUrl ?? null,
      secrets,
      dispatch: extra.dispatch,
      ...(extra.areas ? { areas: extra.areas } : {}),
      uploads:
        extra.uploads ??
        (settings.uploadBucket ? lazyS3Uploads(settings.region, settings.uploadBucket) : null),
    }),
    clients,
  };
  // 回访 answered inside a channel's conversation (WeChat): the closure loop's port.
  core.callbacks = createChannelCallbacks(() => core);
  return core;
}
