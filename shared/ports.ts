import type { OutboxMessage } from "./channels/wechat/outbox.js";
import type { CallbackRecord } from "./closure/schema.js";
import type { Actor } from "./domain/lifecycle.js";
import type { Channel, HistoryEvent, QueueMessage, Role, Ticket, TicketStatus } from "./domain/ticket.js";
import type { Notification } from "./notify/notification.js";
import type { StatsRow } from "./routing/stats.js";

/** Logical queue: a department id, or "triage" for the dispatchers' queue. */
export type QueueTarget = string;
export const TRIAGE: QueueTarget = "triage";
export const NOTIFICATION: QueueTarget = "notification";
export const CALLBACK: QueueTarget = "callback";
/** Messages for the WeChat bot's contacts, long-polled by the bot through the API (shared/channels/wechat). */
export const WECHAT_BOT_OUTBOX: QueueTarget = "wechat-bot";
/**
 * Queue targets that are not departments: dispatchers' triage, outgoing notifications, callbacks (回访), the
 * WeChat bot's outbox.
 */
export const SYSTEM_TARGETS = [TRIAGE, NOTIFICATION, CALLBACK, WECHAT_BOT_OUTBOX] as const;

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

/**
 * Checked inside a save's transaction: another ticket exists and is not in one of these states. With
 * `countChild` the other ticket's `mergedChildren` is incremented in the same transaction, so a save of it based
 * on a read from before (a concurrent reject) fails its condition instead of overwriting the count.
 */
export interface SaveCondition {
  ticketId: string;
  statusNotIn: TicketStatus[];
  countChild?: boolean;
}

export interface TicketStore {
  /**
   * Ticket, its history and its idempotency record in one transaction; "duplicate" when the key exists. With
   * `conditions` (an automatic merge: its parent still open, its child count raised) a failed condition throws
   * ConflictError and nothing is written.
   */
  create(
    ticket: Ticket,
    idempotency: IdempotencyRecord | null,
    conditions?: SaveCondition[],
  ): Promise<CreateOutcome>;
  get(id: string): Promise<Ticket | null>;
  getIdempotency(key: string): Promise<IdempotencyRecord | null>;
  /**
   * Persists a transition; throws ConflictError when the stored version is not `expectedVersion` or a
   * condition on another ticket (`conditions`, checked in the same transaction) does not hold. `callbacks`
   * (回访 records the transition created or changed) are written in the same transaction, each checked against
   * its own version.
   */
  save(
    ticket: Ticket,
    events: HistoryEvent[],
    expectedVersion: number,
    extra?: { callbacks?: CallbackRecord[]; conditions?: SaveCondition[] },
  ): Promise<void>;
  /** Clears the dispatch-pending mark if the ticket is still at `version`; false when it moved on. */
  clearDispatchPending(id: string, version: number): Promise<boolean>;
  /** `clearDispatchPending` for many tickets at once (a few requests); how many marks were cleared. */
  clearDispatchPendingMany(marks: readonly { id: string; version: number }[]): Promise<number>;
  /** The stored ticket's version and dispatch-pending mark (one consistent read of that item); null if none. */
  dispatchState(id: string): Promise<{ version: number; pending: boolean } | null>;
  /** Tickets still marked dispatch-pending, oldest first (sparse index). */
  listPending(limit: number, cursor?: string): Promise<Page<Ticket>>;
  listByStatus(status: TicketStatus, limit: number, cursor?: string): Promise<Page<Ticket>>;
  listByReporterPhone(phone: string, limit: number, cursor?: string): Promise<Page<Ticket>>;
  /** Tickets in `status` whose next supervision moment is at or before `at` (index GSI2; never a scan). */
  listSupervisionDue(status: TicketStatus, at: string, limit: number, cursor?: string): Promise<Page<Ticket>>;
  /** Ids of the tickets merged into `parentId` (written with the merge itself). */
  listChildren(parentId: string): Promise<string[]>;
  getCallback(id: string): Promise<CallbackRecord | null>;
  /** Pending callbacks of a channel, soonest expiry first; `expiringBy` keeps those expiring at or before it. */
  listPendingCallbacks(
    channel: Channel,
    limit: number,
    opts?: { cursor?: string; expiringBy?: string },
  ): Promise<Page<CallbackRecord>>;
  /** The newest pending callback of a channel user (WeChat answers in the conversation). */
  findOpenCallback(channel: Channel, channelUserId: string): Promise<CallbackRecord | null>;
  /**
   * Closed tickets as labelled examples for training the category model, a page at a time (`cursor` from the
   * previous page). Reads only the fields of {@link LabelledTicket}: no reporter data leaves the table.
   */
  listClosedForTraining(limit: number, cursor?: string): Promise<Page<LabelledTicket>>;
  /** A channel resident's tickets (by `reporter.channelUserId`), newest first (index, no scan). */
  listByChannelUser(channel: Channel, channelUserId: string, limit: number): Promise<Ticket[]>;
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
  /** Health probe: resolves when the table answers (optional for in-memory stores). */
  ping?(): Promise<void>;
  /** The id of the ticket with this human number (`20261122-000123`), or null. */
  findIdByTicketNo(ticketNo: string): Promise<string | null>;
  /**
   * Counts one request of `client` in the fixed window `window` (epoch seconds / window length) of `scope` and
   * returns the count so far, the item expiring after `ttlSeconds`. Shared by every Lambda container.
   */
  countRequest(scope: string, client: string, window: number, ttlSeconds: number): Promise<number>;
  /** Records a zero report once per (day, grid, worker); returns the stored record (the first one on a repeat). */
  putZeroReport(record: ZeroReport): Promise<{ record: ZeroReport; created: boolean }>;
  /** Ids of the tickets created in [from, to] (ISO instants), oldest first, at most `limit`. */
  listCreatedBetween(from: string, to: string, limit: number): Promise<string[]>;
  /** Ids of the tickets `actor` filed (grid workers), newest first. */
  listFiledBy(actor: string, limit: number): Promise<string[]>;
  /** The day's patrol activity: zero reports and patrol tickets filed (city-local day `yyyymmdd`). */
  patrolDay(day: string): Promise<{ zero: ZeroReport[]; reports: PatrolReportRecord[] }>;
  /** Tickets in `status` that a grid cell's workers handle (小事一格解决), oldest change first (index GSI3). */
  listByGrid(grid: string, status: TicketStatus, limit: number, cursor?: string): Promise<Page<Ticket>>;
  /**
   * The statistics counters of a city-local month `yyyymm` (退单率…), per department and per grid cell: one
   * query of the month's counter items (shared/routing/stats.ts), never the tickets.
   */
  readStats(month: string): Promise<StatsRow[]>;
}

/** 零报告: "nothing new in my grid today", one per worker per city day. */
export interface ZeroReport {
  day: string;
  grid: string;
  actor: string;
  at: string;
  note?: string;
}

export interface PatrolReportRecord {
  day: string;
  grid: string;
  ticketId: string;
  ticketNo: string;
  actor: string;
  at: string;
}

/** A presigned upload (a photo the page sends straight to storage): PUT the file to `url` with `headers`. */
export interface UploadTicket {
  ref: string;
  url: string;
  method: "PUT";
  headers: Record<string, string>;
  expiresAt: string;
}

/**
 * Where residents' photos go: S3 through a presigned PUT in AWS, a folder under .data locally. `presign` is
 * called only after the type and size were checked; `exists` tells whether an upload with that ref arrived.
 */
export interface UploadStore {
  presign(input: { contentType: string; size: number; extension: string }): Promise<UploadTicket>;
  exists(ref: string): Promise<boolean>;
}

/** One open ticket as the repeat index (重复工单) holds it. */
export interface DedupEntry {
  ticketId: string;
  ticketNo: string;
  createdAt: string;
  /** Not read by the check (the table's query leaves it out); kept by the in-memory index for the benchmark. */
  title?: string;
  /** The repeat index's copy of the ticket's textSignature (shared/routing/dedup indexSignature(): 128 bytes). */
  signature: Uint8Array;
  lat?: number;
  lng?: number;
}

/** One range of the repeat index: a partition (street + top-level category) and a sort key range in it. */
export interface DedupQuery {
  pk: string;
  /** Inclusive sort key range (`<community>#<grid>#<createdAt>#<id>`); absent: the whole partition. */
  from?: string;
  to?: string;
}

/**
 * Open tickets by repeat partition (street + top-level category, sorted by community, grid cell and time; see
 * shared/routing/dedup dedupQuery): one indexed query per check, never a scan. The table implements it with a
 * sparse index (GSI8); the benchmark with an in-memory map.
 */
export interface DedupIndex {
  /** The open tickets in the query's range, in sort key order. */
  dedupCandidates(query: DedupQuery): Promise<DedupEntry[]>;
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
  /** Set when the key was revoked: it authenticates no more. */
  revokedAt?: string;
}

export interface KeyStore {
  putKey(record: ApiKeyRecord): Promise<void>;
  getKey(hash: string): Promise<ApiKeyRecord | null>;
  /** Every key record (hash, principal, label, dates), oldest first. */
  listKeys?(): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; false when there is no such key. */
  revokeKey?(hash: string, at: string): Promise<boolean>;
}

/**
 * A resident's conversation with a channel transport (会话): the engine's state, the platform message ids
 * already handled (with the replies they got, for redeliveries) and a version for optimistic writes.
 */
export interface ConversationRecord {
  state: unknown;
  /** Most recent last: `[messageId, replies]` of the last handled messages. */
  handled: [string, string[]][];
  version: number;
}

export interface ConversationStore {
  get(channelUserId: string): Promise<ConversationRecord | null>;
  /**
   * Writes the conversation if the stored version is still `record.version - 1` (none stored when that is 0):
   * false when another delivery moved it on meanwhile. Expires `ttlDays` after the write (abandoned drafts).
   */
  put(channelUserId: string, record: ConversationRecord, ttlDays: number): Promise<boolean>;
}

export interface ReceivedMessage {
  message: unknown;
  /** Opaque token to delete the message (the SQS receipt handle). */
  lease: string;
}

export interface Queue {
  /** Sends one JSON message: a department/triage QueueMessage, or a Notification on the notification queue. */
  send(target: QueueTarget, message: QueueMessage | Notification | OutboxMessage): Promise<void>;
  receive(
    target: QueueTarget,
    options: { max: number; waitSeconds: number; visibilitySeconds?: number },
  ): Promise<ReceivedMessage[]>;
  delete(target: QueueTarget, lease: string): Promise<void>;
  /** Health probe: resolves when the queue service answers (optional for in-memory queues). */
  ping?(): Promise<void>;
}

/**
 * Delivers one notification to the reporter of `ticket` through one channel (WeChat, SMS, …). "skipped" when
 * the reporter cannot be reached there (no contact, anonymous); a thrown error means "try again later".
 */
export interface NotificationSender {
  deliver(ticket: Ticket, notification: Notification): Promise<"sent" | "skipped">;
}

/** Sends one SMS (Amazon SNS in AWS, a recorder under .data/ locally). A thrown error means "try again". */
export interface SmsNotifier {
  send(phone: string, text: string, meta: { ticketNo: string; kind: string }): Promise<void>;
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
