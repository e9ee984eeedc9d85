import type { Actor } from "./domain/lifecycle.js";
import type { Channel, HistoryEvent, QueueMessage, Role, Ticket, TicketStatus } from "./domain/ticket.js";
import type { Notification } from "./notify/notification.js";

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

/**
 * What category training needs of a closed ticket — its text and its final category with where the category came
 * from — and nothing about the reporter.
 */
export interface LabelledTicket {
  id: string;
  title: string;
  description: string;
  categoryId: string | null;
  categorySource: "explicit" | "suggested" | "dispatcher" | null;
  returnCount: number;
  closedAt: string | null;
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
  /**
   * Closed tickets as labelled examples for training the category model, a page at a time (`cursor` from the
   * previous page). Reads only the fields of {@link LabelledTicket}: no reporter data leaves the table.
   */
  listClosedForTraining(limit: number, cursor?: string): Promise<Page<LabelledTicket>>;
  /**
   * Reserves the next `count` (default 1) numbers of the day's ticket counter and returns the last of them
   * (the block is `last - count + 1 … last`); never hands out the same number twice.
   */
  nextSequence(day: string, count?: number): Promise<number>;
  /**
   * Records that a once-only effect (a notification sent, a platform message handled) happened: true the first
   * time for `key`, false after. Kept for `ttlDays`.
   */
  markDone(key: string, ttlDays: number): Promise<boolean>;
  /** True when `markDone(key)` has succeeded before (and not expired). */
  isDone(key: string): Promise<boolean>;
}

/** One open ticket as the repeat index (重复工单) holds it. */
export interface DedupEntry {
  ticketId: string;
  ticketNo: string;
  createdAt: string;
  title: string;
  /** shared/routing/dedup textSignature() */
  signature: string;
  lat?: number;
  lng?: number;
}

/**
 * Open tickets by partition (area + top-level category) and time: one indexed query per check, never a scan.
 * The table implements it with a sparse index; the benchmark with an in-memory map.
 */
export interface DedupIndex {
  /** Open tickets of `partition` created at or after `since` (ISO time), oldest first. */
  dedupCandidates(partition: string, since: string): Promise<DedupEntry[]>;
}

export interface ApiKeyRecord {
  hash: string;
  role: Exclude<Role, "system">;
  /** Set for `department` keys. */
  department?: string;
  /** Set for `channel` keys: the one channel this gateway files for. */
  channel?: Exclude<Channel, "hotline" | "grid">;
  /** Set for `grid-worker` keys: the grid cell's full area path `district/street/community/grid`. */
  grid?: string;
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
  /** Sends one JSON message: a department/triage QueueMessage, or a Notification on the notification queue. */
  send(target: QueueTarget, message: QueueMessage | Notification): Promise<void>;
  receive(
    target: QueueTarget,
    options: { max: number; waitSeconds: number; visibilitySeconds?: number },
  ): Promise<ReceivedMessage[]>;
  delete(target: QueueTarget, lease: string): Promise<void>;
}

/**
 * Delivers one notification to the reporter of `ticket` through one channel (WeChat, SMS, …). "skipped" when
 * the reporter cannot be reached there (no contact, anonymous); a thrown error means "try again later".
 */
export interface NotificationSender {
  deliver(ticket: Ticket, notification: Notification): Promise<"sent" | "skipped">;
}

/** The senders by origin channel; a channel without one is logged and skipped. */
export type NotificationSenders = Partial<Record<Channel, NotificationSender>>;

/** A rating given in a channel's own conversation (WeChat: 满意 / 基本满意 / 不满意), mapped to 1–5. */
export interface CallbackAnswer {
  rating: 1 | 2 | 3 | 4 | 5;
  comment?: string;
}

/**
 * The closure loop's answer port for channels that rate in their conversation: answers the reporter's open
 * callback (回访) on `channel` for `channelUserId`; null when none is open.
 */
export interface ChannelCallbacks {
  answer(
    channel: Channel,
    channelUserId: string,
    answer: CallbackAnswer,
    actor: Actor,
  ): Promise<{ ticketNo: string; outcome: "satisfied" | "reopened" | "recorded" } | null>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
