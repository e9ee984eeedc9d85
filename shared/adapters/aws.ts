import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { CityConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Clock } from "../ports.js";
import { type CategorySuggester, type Core, createCore } from "../services/context.js";
import { DynamoTicketStore } from "./dynamo-store.js";
import { SqsQueue } from "./sqs-queue.js";

/** Where the adapters connect. With no endpoints they talk to real AWS through the default credential chain. */
export interface AwsSettings {
  region: string;
  tableName: string;
  queueUrlBase: string;
  queuePrefix: string;
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** One DocumentClient and one SQS client per process, created at initialisation. */
export function createClients(s: AwsSettings) {
  const ddb = new DynamoDBClient({
    region: s.region,
    ...(s.dynamoEndpoint ? { endpoint: s.dynamoEndpoint, credentials: LOCAL_CREDENTIALS } : {}),
  });
  const doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
  const sqs = new SQSClient({
    region: s.region,
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
  } = {},
): Core & { clients: ReturnType<typeof createClients> } {
  const clients = extra.clients ?? createClients(settings);
  const store = new DynamoTicketStore(clients.doc, settings.tableName);
  const queue = new SqsQueue(clients.sqs, settings.queueUrlBase, settings.queuePrefix);
  return {
    ...createCore({
      config,
      store,
      keys: store,
      dedup: store,
      queue,
      log: extra.log,
      metrics: extra.metrics,
      clock: extra.clock,
      classifier: extra.classifier,
      dispatch: extra.dispatch,
    }),
    clients,
  };
}
