import type { HistoryEvent, QueueMessage, Role, Ticket, TicketStatus } from "./domain/ticket.js";

/** Logical queue: a department id, or "triage" for the dispatchers' queue. */
export type QueueTarget = string;
export const TRIAGE: QueueTarget = "triage";
export const NOTIFICATION: QueueTarget = "notification";
export const CALLBACK: QueueTarget = "callback";
/** Queue targets that are not departments: dispatchers' triage, outgoing notifications, callbacks (回访). */
export const SYSTEM_TARGETS = [TRIAGE, NOTIFICATION, CALLBACK] as const;

/** The dead-letter queue of a target, addressed like any other target (`<prefix>-<target>-dlq`). */
export function deadLetterTarget(target: QueueTarget): QueueTarget {
  return `${target}-dlq`;
}

/** Every queue target: one per department, then triage, notification and callback. */
export function queueTargets(config: { departments: readonly { id: string }[] }): string[] {
  return [...config.departments.map((d) => d.id), ...SYSTEM_TARGETS];
}

export interface IdempotencyRecord {
  key: string;
  ticketId: string;
  requestHash: string;
}

export type CreateOutcome = { outcome: "created" } | { outcome: "duplicate"; record: IdempotencyRecord };

export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface TicketStore {
  /** Ticket, its history and its idempotency record in one transaction; "duplicate" when the key exists. */
  create(ticket: Ticket, idempotency: IdempotencyRecord | null): Promise<CreateOutcome>;
  get(id: string): Promise<Ticket | null>;
  getIdempotency(key: string): Promise<IdempotencyRecord | null>;
  /** Persists a transition; throws ConflictError when the stored version is not `expectedVersion`. */
  save(ticket: Ticket, events: HistoryEvent[], expectedVersion: number): Promise<void>;
  /** Clears the dispatch-pending mark if the ticket is still at `version`; false when it moved on. */
  clearDispatchPending(id: string, version: number): Promise<boolean>;
  /** Tickets still marked dispatch-pending, oldest first (sparse index). */
  listPending(limit: number): Promise<Ticket[]>;
  listByStatus(status: TicketStatus, limit: number, cursor?: string): Promise<Page<Ticket>>;
  listByReporterPhone(phone: string, limit: number, cursor?: string): Promise<Page<Ticket>>;
  /** Next number of the day's ticket counter (1, 2, …); never returns the same number twice. */
  nextSequence(day: string): Promise<number>;
}

export interface ApiKeyRecord {
  hash: string;
  role: Exclude<Role, "system">;
  department?: string;
  label: string;
  createdAt: string;
}

export interface KeyStore {
  putKey(record: ApiKeyRecord): Promise<void>;
  getKey(hash: string): Promise<ApiKeyRecord | null>;
}

export interface ReceivedMessage {
  message: unknown;
  /** Opaque token to delete the message (the SQS receipt handle). */
  lease: string;
}

export interface Queue {
  send(target: QueueTarget, message: QueueMessage): Promise<void>;
  receive(
    target: QueueTarget,
    options: { max: number; waitSeconds: number; visibilitySeconds?: number },
  ): Promise<ReceivedMessage[]>;
  delete(target: QueueTarget, lease: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
