import type { WechatSettings } from "../channels/wechat/settings.js";

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
  /**
   * When the SQS client is loaded and built: "at-start" (the default) with the runtime, as every other client;
   * "on-demand" on the first queue call, for a function whose role may use no queue at all
   * (infra/function-access.ts, AWS: SQS_CLIENT=on-demand), so that its cold start never evaluates the client.
   */
  sqsClient?: "at-start" | "on-demand";
  /**
   * When the area index (grid polygons, place names) and the category suggester are built: "at-start" (the
   * default); "on-demand" on first use, for a function that never files a ticket (only intake uses them;
   * AWS: INTAKE_INDEXES=on-demand, from infra/function-access.ts).
   */
  intakeIndexes?: "at-start" | "on-demand";
}

export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * The process's own time limits on every call (a paused store or queue must not hang a request): connecting
 * within 1 s, an answer within 3 s (DynamoDB) / 5 s (SQS; a long poll adds its wait), at most 3 attempts.
 * A call that runs out answers 503 with Retry-After (functions/lib/http.ts).
 */
export const CALL_LIMITS = { connectionTimeout: 1000, dynamoRequestTimeout: 3000, sqsRequestTimeout: 5000 };
