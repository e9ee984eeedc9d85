import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createWechatApiClient } from "../channels/wechat/api-client.js";
import { createWechatSender } from "../channels/wechat/sender.js";
import type { WechatSettings } from "../channels/wechat/settings.js";
import { createChannelCallbacks } from "../closure/callbacks.js";
import { smsNotificationSender } from "../closure/sms.js";
import type { CityConfig } from "../config/schema.js";
import { type Logger, silentLogger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Clock, SmsNotifier, UploadStore } from "../ports.js";
import { secretsFrom } from "../security/secrets.js";
import { type CategorySuggester, type Core, createCore } from "../services/context.js";
import { DynamoConversationStore } from "./dynamo-conversations.js";
import { DynamoTicketStore } from "./dynamo-store.js";
import { FileSmsOutbox } from "./sms.js";
import { SqsQueue } from "./sqs-queue.js";

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

/** Where the adapters connect. With no endpoints they talk to real AWS through the default credential chain. */
export interface AwsSettings {
  region: string;
  tableName: string;
  queueUrlBase: string;
  queuePrefix: string;
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  /** Local runs: SMS goes to this JSON-lines file instead of Amazon SNS. */
  smsOutboxFile?: string;
  /** Public base URL of the API, for rating links (回访 `/rate/<token>`). */
  publicBaseUrl?: string;
  /** The deployment secret (INTAKE_SECRET); without it a public key derived from the table name. */
  secret?: string;
  /** Secrets Manager secret holding the deployment secret (AWS: INTAKE_SECRET_ID); read by createRuntime. */
  secretId?: string;
  /** Read every transaction back before acknowledging it (the embedded DynamoDB Local; see dynamo-store.ts). */
  confirmWrites?: boolean;
  /** Overrides CALL_LIMITS (tests of a paused store use short ones). */
  limits?: Partial<typeof CALL_LIMITS>;
  /** Bucket for residents' photo uploads (presigned PUT); without it the public upload route refuses. */
  uploadBucket?: string;
  /** WeChat (Official Account, API base URL); absent: no Official Account, bot contacts only. */
  wechat?: WechatSettings;
  /** Secrets Manager secret holding the Official Account's settings (AWS); read once by createRuntime. */
  wechatSecretId?: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * The process's own time limits on every call (a paused store or queue must not hang a request): connecting
 * within 1 s, an answer within 3 s (DynamoDB) / 5 s (SQS; a long poll adds its wait), at most 3 attempts.
 * A call that runs out answers 503 with Retry-After (functions/lib/http.ts).
 */
export const CALL_LIMITS = { connectionTimeout: 1000, dynamoRequestTimeout: 3000, sqsRequestTimeout: 5000 };

/** One DocumentClient and one SQS client per process, created at initialisation. */
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
  const sqs = new SQSClient({
    region: s.region,
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: limits.connectionTimeout,
      requestTimeout: limits.sqsRequestTimeout,
      throwOnRequestTimeout: true,
    },
    ...(s.sqsEndpoint ? { endpoint: s.sqsEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
  return { ddb, doc, sqs };
}

export function createAwsCore(
  settings: AwsSettings,
  config: CityConfig,
  extra: {
    log?: Logger;
    metrics?: Metrics;
    clock?: Clock;
    classifier?: CategorySuggester | null;
    clients?: ReturnType<typeof createClients>;
    dispatch?: "stream" | "inline";
    uploads?: UploadStore;
  } = {},
): Core & { clients: ReturnType<typeof createClients> } {
  const clients = extra.clients ?? createClients(settings);
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
  const queue = new SqsQueue(clients.sqs, settings.queueUrlBase, settings.queuePrefix);
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
  const core: Core & { clients: ReturnType<typeof createClients> } = {
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
