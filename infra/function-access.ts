import type {
  HTTP_ROUTES,
  QUEUE_CONSUMERS,
  SCHEDULED_FUNCTIONS,
  STREAM_FUNCTIONS,
} from "../functions/routes.js";

export type FunctionName =
  | (typeof HTTP_ROUTES)[number]["name"]
  | (typeof SCHEDULED_FUNCTIONS)[number]["name"]
  | (typeof STREAM_FUNCTIONS)[number]["name"]
  | (typeof QUEUE_CONSUMERS)[number]["name"];

/**
 * Which queues a permission covers: every department queue, the dispatchers' triage queue, the dead-letter
 * queues of those (the sweeper offers unclaimed tickets again from them), the notification queue, or the
 * WeChat bot's outbox.
 */
export type QueueSet =
  | "departments"
  | "triage"
  | "department-dlqs"
  | "triage-dlq"
  | "notification"
  | "wechat-bot";

export interface FunctionAccess {
  /** "read": GetItem/Query; "read-write" adds PutItem/UpdateItem (never DeleteItem). */
  readonly table: "none" | "read" | "read-write";
  /** Reads the table's stream (DescribeStream, GetRecords, GetShardIterator, ListStreams). */
  readonly stream?: boolean;
  readonly send?: readonly QueueSet[];
  readonly receive?: readonly QueueSet[];
  readonly delete?: readonly QueueSet[];
  /** Amazon SNS direct SMS publish (to phone numbers only, never to a topic). */
  readonly sms?: boolean;
  /** sqs:GetQueueAttributes (the health probe). */
  readonly inspect?: readonly QueueSet[];
  readonly timeoutSeconds: number;
  readonly memorySize?: number;
  /** Residents' photo bucket: "put" signs uploads (s3:PutObject), "head" checks they arrived (s3:GetObject). */
  readonly uploads?: "put" | "head";
  /** Reads the WeChat Official Account's secret (Secrets Manager) at initialisation. */
  readonly wechatSecret?: boolean;
  /**
   * Files tickets (shared/services/intake.ts createTicket): its runtime builds the area index and the category
   * suggester at start-up; any other function's only on first use (test/infra/bundling.test.ts checks the list
   * against what each bundle contains).
   */
  readonly intake?: boolean;
}

/**
 * Least privilege, per function: what each handler's code path touches (shared/services/*). A new entry in
 * functions/routes.ts does not type-check until it is listed here.
 */
export const FUNCTION_ACCESS: Record<FunctionName, FunctionAccess> = {
  // Public health check: one consistent read of the table, the triage queue's attributes; no key lookup.
  health: { table: "read", inspect: ["triage"], timeoutSeconds: 5 },
  // Ticket + history + idempotency record in one transaction and a block of the day counter; the outbox
  // function delivers it from the table's stream, so intake sends to no queue.
  "tickets-create": { table: "read-write", intake: true, timeoutSeconds: 10 },
  "tickets-list": { table: "read", timeoutSeconds: 10 },
  "tickets-get": { table: "read", timeoutSeconds: 10 },
  // Transition + save (the outbox function re-delivers assign / return / reopen from the table's stream), the
  // resident's notification, and deleting the department's lease; on closure the callbacks (回访) and their
  // questions on the notification queue.
  "ticket-actions": {
    table: "read-write",
    send: ["notification"],
    delete: ["departments"],
    timeoutSeconds: 10,
  },
  // Long-polls (up to 20 s) a department's or the triage queue; deletes stale copies.
  "department-inbox": {
    table: "read",
    receive: ["departments", "triage"],
    delete: ["departments", "triage"],
    timeoutSeconds: 25,
  },
  // Public web form: a rate counter per client (UpdateItem), nothing else.
  "public-config": { table: "read-write", timeoutSeconds: 5 },
  // Rate counter, then a presigned PUT into the uploads bucket (the role signs it: s3:PutObject on uploads/*).
  "public-uploads": { table: "read-write", uploads: "put", timeoutSeconds: 5 },
  // Rate counter, the photos' existence (HeadObject), then intake like tickets-create (the outbox sends).
  "public-reports-create": { table: "read-write", intake: true, uploads: "head", timeoutSeconds: 10 },
  // Rate counter, number lookup and one ticket read.
  "public-ticket-get": { table: "read-write", timeoutSeconds: 5 },
  // Patrol report: photos' existence, then intake (the outbox sends; on-site ones are stored closed, never sent).
  "patrols-report": { table: "read-write", intake: true, uploads: "head", timeoutSeconds: 10 },
  // One conditional put of the day's zero report.
  "patrols-zero-report": { table: "read-write", timeoutSeconds: 5 },
  "patrols-mine": { table: "read", timeoutSeconds: 10 },
  "patrols-daily": { table: "read", timeoutSeconds: 10 },
  // Open311 reads: rate counter, number lookups, tickets by creation month.
  "open311-get": { table: "read-write", timeoutSeconds: 15 },
  "open311-get-item": { table: "read-write", timeoutSeconds: 10 },
  // Open311 posts: the client's key, then intake like tickets-create (rate counter not needed: keyed clients).
  "open311-post": { table: "read-write", intake: true, timeoutSeconds: 10 },
  // The dispatch outbox: sends what the table's stream shows written dispatch-pending, clears the mark.
  outbox: {
    table: "read-write",
    stream: true,
    send: ["departments", "triage"],
    timeoutSeconds: 30,
  },
  // Re-sends dispatch-pending tickets found through the sparse index; offers unclaimed tickets again from the DLQs;
  // supervision (warn / urge to the department queue, escalate to triage) through GSI2; expires callbacks.
  sweeper: {
    table: "read-write",
    send: ["departments", "triage"],
    receive: ["department-dlqs", "triage-dlq"],
    delete: ["department-dlqs", "triage-dlq"],
    timeoutSeconds: 60,
  },
  // 回访: the operators' list of hotline callbacks (reads the reporters' tickets for the number to call).
  "callbacks-list": { table: "read", timeoutSeconds: 10 },
  // An operator's call result: a rating (may reopen: the table's stream outbox re-delivers; a notification)
  // or an unreachable attempt.
  "callbacks-result": {
    table: "read-write",
    send: ["notification"],
    timeoutSeconds: 10,
  },
  // Public rating links: read; rate (may reopen to the same department, with its notification).
  "public-ratings-get": { table: "read", timeoutSeconds: 10 },
  "public-ratings-post": {
    table: "read-write",
    send: ["notification"],
    timeoutSeconds: 10,
  },
  "rate-page": { table: "read", timeoutSeconds: 10 },
  // The bot relays a resident message: conversation (conditional put), ticket lookups, createTicket (the
  // dispatch outbox delivers from the table's stream).
  "wechat-messages": { table: "read-write", intake: true, timeoutSeconds: 10 },
  // The bot long-polls (up to 20 s) its contacts' progress messages and acknowledges them once sent.
  "wechat-outbox": {
    table: "read",
    receive: ["wechat-bot"],
    delete: ["wechat-bot"],
    timeoutSeconds: 25,
  },
  "wechat-outbox-ack": { table: "read", delete: ["wechat-bot"], timeoutSeconds: 10 },
  // The bot's photos: a presigned PUT into the uploads bucket, as public-uploads (no rate counter: a channel key).
  "wechat-uploads": { table: "read", uploads: "put", timeoutSeconds: 5 },
  // URL verification: the token only.
  "wechat-oa-verify": { table: "none", timeoutSeconds: 5, wechatSecret: true },
  // WeChat waits 5 s for a passive reply: the same path as wechat-messages, signed by the OA token.
  "wechat-oa": {
    table: "read-write",
    intake: true,
    timeoutSeconds: 5,
    wechatSecret: true,
  },
  // The notification queue's consumer: loads the ticket, remembers what was delivered, and sends through the
  // ticket's channel: SMS (SNS, to phone numbers only), the bot's outbox for bot contacts, the WeChat API (token
  // from the secret) for Official Account users.
  notifications: {
    table: "read-write",
    receive: ["notification"],
    delete: ["notification"],
    sms: true,
    timeoutSeconds: 30,
    send: ["wechat-bot"],
    wechatSecret: true,
  },
  // 小事一格解决: the grid worker's work list, one GSI3 query per state; no queue.
  "grids-inbox": { table: "read", timeoutSeconds: 10 },
  // Statistics: one query of the month's counter items (written by the transactions that count).
  "stats-departments": { table: "read", timeoutSeconds: 10 },
  "stats-grids": { table: "read", timeoutSeconds: 10 },
};

export const TABLE_READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:Query"];
export const TABLE_WRITE_ACTIONS = ["dynamodb:PutItem", "dynamodb:UpdateItem"];
export const TABLE_STREAM_ACTIONS = [
  "dynamodb:DescribeStream",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:ListStreams",
];

/** Whether a function's role may call SQS at all (send, receive, delete or inspect any queue). */
export function mayUseQueues(access: FunctionAccess): boolean {
  return [access.send, access.receive, access.delete, access.inspect].some((sets) => (sets?.length ?? 0) > 0);
}

/**
 * What a function's runtime is told about its own needs (functions/lib/runtime.ts settingsFromEnv): a
 * function whose role may use no queue builds no SQS client at start-up (`SQS_CLIENT=on-demand`; the client is
 * only loaded if a queue call ever comes, which its role would refuse anyway); one that files no ticket builds
 * the area index and the category suggester only if ever used (`INTAKE_INDEXES=on-demand`). The stacks and the
 * bundle bench both set them from here, so what is measured is what is deployed.
 */
export function runtimeNeedsEnv(access: FunctionAccess): Record<string, string> {
  return {
    ...(mayUseQueues(access) ? {} : { SQS_CLIENT: "on-demand" }),
    ...(access.intake ? {} : { INTAKE_INDEXES: "on-demand" }),
  };
}
