import type { HTTP_ROUTES, SCHEDULED_FUNCTIONS, STREAM_FUNCTIONS } from "../functions/routes.js";

export type FunctionName =
  | (typeof HTTP_ROUTES)[number]["name"]
  | (typeof SCHEDULED_FUNCTIONS)[number]["name"]
  | (typeof STREAM_FUNCTIONS)[number]["name"];

/**
 * Which queues a permission covers: every department queue, the dispatchers' triage queue, the dead-letter
 * queues of those (the sweeper offers unclaimed tickets again from them), or the notification queue.
 */
export type QueueSet = "departments" | "triage" | "department-dlqs" | "triage-dlq" | "notification";

export interface FunctionAccess {
  /** "read": GetItem/Query; "read-write" adds PutItem/UpdateItem (never DeleteItem). */
  readonly table: "none" | "read" | "read-write";
  /** Reads the table's stream (DescribeStream, GetRecords, GetShardIterator, ListStreams). */
  readonly stream?: boolean;
  readonly send?: readonly QueueSet[];
  readonly receive?: readonly QueueSet[];
  readonly delete?: readonly QueueSet[];
  readonly timeoutSeconds: number;
  readonly memorySize?: number;
}

/**
 * Least privilege, per function: what each handler's code path touches (shared/services/*). A new entry in
 * functions/routes.ts does not type-check until it is listed here.
 */
export const FUNCTION_ACCESS: Record<FunctionName, FunctionAccess> = {
  // Public liveness check: no key lookup, no table, no queue.
  health: { table: "none", timeoutSeconds: 5 },
  // Ticket + history + idempotency record in one transaction and a block of the day counter; the outbox
  // function delivers it from the table's stream, so intake sends to no queue.
  "tickets-create": { table: "read-write", timeoutSeconds: 10 },
  "tickets-list": { table: "read", timeoutSeconds: 10 },
  "tickets-get": { table: "read", timeoutSeconds: 10 },
  // Transition + save (the outbox function re-delivers assign / return / reopen from the table's stream), the
  // resident's notification, and deleting the department's lease.
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
  // The dispatch outbox: sends what the table's stream shows written dispatch-pending, clears the mark.
  outbox: {
    table: "read-write",
    stream: true,
    send: ["departments", "triage"],
    timeoutSeconds: 30,
  },
  // Re-sends dispatch-pending tickets found through the sparse index; offers unclaimed tickets again from the DLQs.
  sweeper: {
    table: "read-write",
    send: ["departments", "triage"],
    receive: ["department-dlqs", "triage-dlq"],
    delete: ["department-dlqs", "triage-dlq"],
    timeoutSeconds: 60,
  },
};

export const TABLE_READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:Query"];
export const TABLE_WRITE_ACTIONS = ["dynamodb:PutItem", "dynamodb:UpdateItem"];
export const TABLE_STREAM_ACTIONS = [
  "dynamodb:DescribeStream",
  "dynamodb:GetRecords",
  "dynamodb:GetShardIterator",
  "dynamodb:ListStreams",
];
