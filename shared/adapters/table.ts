import { createHash, createHmac } from "node:crypto";
import { type CallbackRecord, withClosureDefaults } from "../closure/schema.js";
import { nextSupervisionAt, type SupervisionPolicy } from "../closure/supervision.js";
import type { HistoryEvent, Ticket } from "../domain/ticket.js";
import { dedupCellSlots, dedupLeafSlots, dedupSlot, indexSignature } from "../routing/dedup/index.js";
import type { StatsDelta } from "../routing/stats.js";

/**
 * The single-table layout: every key is built here and nowhere else.
 *   TICKET#<id> / META                       the ticket (without history)
 *   TICKET#<id> / EVENT#<at>#<seq>           the history events one write added (keyed by its first)
 *   IDEMP#<key> / IDEMP                      idempotency record (expires after IDEMPOTENCY_TTL_DAYS)
 *   COUNTER#<yyyymmdd> / COUNTER             the day's ticket-number counter
 *   (GSI4) PHONE#<hmac-sha256(phone)>         reporter index, keyed with the deployment's phone-index key
 *   APIKEY#<sha256> / APIKEY                 an API key's principal
 *   DONE#<key> / DONE                        a once-only effect that happened (expires)
 *   TICKET#<parent> / CHILD#<id>             a ticket merged into <parent> (written with the merge)
 *   CALLBACK#<id> / CALLBACK                 a callback (回访); while pending on GSI1 (channel + expiry) and,
 *                                            for channel users, GSI4 (hashed channel user)
 *   TICKETNO#<ticketNo> / TICKETNO           the ticket id of a human ticket number (written with the ticket)
 *   RATE#<scope>#<client>#<window> / RATE    a fixed-window request counter of a public client (expires)
 *   PATROLDAY#<yyyymmdd> / REPORT#<grid>#<id> a grid worker's patrol report of that city day (with the ticket)
 *   PATROLDAY#<yyyymmdd> / ZERO#<grid>#<who>  a grid worker's zero report (零报告) of that city day
 *   (GSI9) CREATED#<yyyymm> / <createdAt>#<id> every ticket by creation month (UTC; Open311 request listings):
 *                                            keys only, on the ticket item (it was an item of its own in the
 *                                            creating transaction; tickets filed before are not in it)
 *   FILER#<actor> / <createdAt>#<id>          a ticket a grid worker filed (their "mine" list, with the ticket)
 *   CONV#<channelUserId> / CONV              a resident's channel conversation (会话; expires when abandoned)
 *   STATS#<yyyymm> / DEPT#<id>#<shard>       a department's statistics counters of that city month (退单率…),
 *   STATS#<yyyymm> / GRID#<path>#<shard>     a grid cell's; added to in the transaction of the events counted
 *   TICKET#<id> / DEDUP                      an open ticket's repeat index entry (GSI8): a small item of its own,
 *                                            not the META item (expires after the longest window)
 *   TICKET#<id> / DEDUPCELL#<community>/<grid> a coarse report's extra repeat index entry (GSI8) per basic cell,
 *                                            while the ticket is open (expires after the longest window)
 *   TICKET#<id> / DEDUPLEAF#<category>       a cell report known only to its top category: an extra repeat index
 *                                            entry (GSI8) per category below that top, while open (expires too)
 * GSI8 (sparse) holds open tickets with a text signature under DEDUP#<district>/<street>#<top category>, sorted
 * by <community>#<grid>#<category>#<createdAt>#<id> (shared/routing/dedup dedupSlot; an empty category for a
 * report known only to its top, and none at all in entries written before), projecting only the dd* fields a repeat
 * check reads. Its keys are on those small entry items only: DynamoDB Local answers an index query by reading
 * and parsing each row's whole base item, so a check over 160 META items cost it ~5× the CPU of 160 small ones
 * (docs/routing.md). (GSI7, its street-keyed predecessor projecting ALL, is gone: tickets keyed for it are no
 * longer candidates; nor are META items keyed for GSI8 before, once they are saved again.)
 */
export const PK = "PK";
export const SK = "SK";
export const IDEMPOTENCY_TTL_DAYS = 30;
export const TTL_ATTRIBUTE = "expiresAt";

/** The top-level attributes GSI8 projects besides the keys: what a repeat check reads (ticket id from PK). */
export const DEDUP_ATTRIBUTES = ["ddNo", "ddSig", "ddLat", "ddLng"] as const;

export interface IndexDefinition {
  name: string;
  pk: string;
  sk: string;
  purpose: string;
  /** INCLUDE these non-key attributes (none: KEYS_ONLY); without it the index projects ALL. */
  include?: readonly string[];
}

/** The DynamoDB projection of an index (the local table and the CDK stack declare the same). */
export function projectionOf(
  i: IndexDefinition,
): { ProjectionType: "ALL" | "KEYS_ONLY" } | { ProjectionType: "INCLUDE"; NonKeyAttributes: string[] } {
  if (!i.include) return { ProjectionType: "ALL" };
  return i.include.length
    ? { ProjectionType: "INCLUDE", NonKeyAttributes: [...i.include] }
    : { ProjectionType: "KEYS_ONLY" };
}

/** Global secondary indexes (partition and sort keys are strings; ALL projected unless `include` says). */
export const TABLE_INDEXES = [
  { name: "GSI1", pk: "GSI1PK", sk: "GSI1SK", purpose: "sparse: dispatch-pending tickets by time" },
  { name: "GSI2", pk: "GSI2PK", sk: "GSI2SK", purpose: "status + next supervision moment (due time)" },
  {
    name: "GSI3",
    pk: "GSI3PK",
    sk: "GSI3SK",
    purpose: "handler + status: department, or the grid cell handling a small matter",
  },
  { name: "GSI4", pk: "GSI4PK", sk: "GSI4SK", purpose: "reporter (hashed phone)" },
  // GSI5 (area + category + time) was written on every ticket item and read by nothing (repeats use GSI8,
  // hotspots the statistics counters): one index entry less per ticket write (bench/intake-requests.ts).
  { name: "GSI6", pk: "GSI6PK", sk: "GSI6SK", purpose: "channel resident (hashed channel user id) + time" },
  {
    name: "GSI8",
    pk: "GSI8PK",
    sk: "GSI8SK",
    purpose:
      "sparse: open tickets by repeat partition (street + top category), community, grid cell and time",
    include: DEDUP_ATTRIBUTES,
  },
  {
    name: "GSI9",
    pk: "GSI9PK",
    sk: "GSI9SK",
    purpose:
      "creation month + time (Open311 date ranges); keys only, so later writes of a ticket never touch it",
    include: [],
  },
] as const satisfies readonly IndexDefinition[];

export const keys = {
  ticket: (id: string) => ({ [PK]: `TICKET#${id}`, [SK]: "META" }),
  ticketPartition: (id: string) => `TICKET#${id}`,
  /** The ticket id of a ticket partition key (`TICKET#<id>`); null for any other partition. */
  ticketIdOf: (pk: string | undefined): string | null =>
    pk?.startsWith("TICKET#") && pk.length > "TICKET#".length ? pk.slice("TICKET#".length) : null,
  event: (id: string, e: HistoryEvent) => ({
    [PK]: `TICKET#${id}`,
    [SK]: `EVENT#${e.at}#${String(e.seq).padStart(6, "0")}`,
  }),
  idempotency: (key: string) => ({ [PK]: `IDEMP#${key}`, [SK]: "IDEMP" }),
  counter: (day: string) => ({ [PK]: `COUNTER#${day}`, [SK]: "COUNTER" }),
  apiKey: (hash: string) => ({ [PK]: `APIKEY#${hash}`, [SK]: "APIKEY" }),
  done: (key: string) => ({ [PK]: `DONE#${key}`, [SK]: "DONE" }),
  child: (parentId: string, childId: string) => ({ [PK]: `TICKET#${parentId}`, [SK]: `CHILD#${childId}` }),
  callback: (id: string) => ({ [PK]: `CALLBACK#${id}`, [SK]: "CALLBACK" }),
  callbackPartition: (channel: string) => `CALLBACKS#${channel}`,
  callbackUserPartition: (channel: string, userId: string) =>
    `CBUSER#${createHash("sha256").update(`${channel}:${userId}`).digest("hex")}`,
  ticketNo: (ticketNo: string) => ({ [PK]: `TICKETNO#${ticketNo}`, [SK]: "TICKETNO" }),
  rate: (scope: string, client: string, window: number) => ({
    [PK]: `RATE#${scope}#${client}#${window}`,
    [SK]: "RATE",
  }),
  patrolDay: (day: string) => `PATROLDAY#${day}`,
  patrolReport: (day: string, grid: string, ticketId: string) => ({
    [PK]: `PATROLDAY#${day}`,
    [SK]: `REPORT#${grid}#${ticketId}`,
  }),
  filerPartition: (actor: string) => `FILER#${actor}`,
  createdPartition: (month: string) => `CREATED#${month}`,
  zeroReport: (day: string, grid: string, who: string) => ({
    [PK]: `PATROLDAY#${day}`,
    [SK]: `ZERO#${grid}#${who}`,
  }),
  pendingPartition: "PENDING",
  /** GSI2 partition of the API key records (listed by `npm run cli -- keys list`). */
  apiKeysPartition: "APIKEYS",
  statusPartition: (status: string) => `STATUS#${status}`,
  /** Keyed (HMAC-SHA-256): without the key a stolen table copy cannot be searched for a phone number. */
  phonePartition: (phone: string, key: Buffer) =>
    `PHONE#${createHmac("sha256", key).update(phone).digest("hex")}`,
  conversation: (channelUserId: string) => ({ [PK]: `CONV#${channelUserId}`, [SK]: "CONV" }),
  channelUserPartition: (channel: string, channelUserId: string) =>
    `CHUSER#${createHash("sha256").update(`${channel}\n${channelUserId}`).digest("hex")}`,
  dedupPartition: (partition: string) => `DEDUP#${partition}`,
  /** A coarse report's extra repeat index entry for one basic cell (`<community>/<grid>`). */
  dedupCell: (ticketId: string, cell: string) => ({ [PK]: `TICKET#${ticketId}`, [SK]: `DEDUPCELL#${cell}` }),
  /** An open ticket's own repeat index entry. */
  dedupEntry: (ticketId: string) => ({ [PK]: `TICKET#${ticketId}`, [SK]: "DEDUP" }),
  dedupLeaf: (ticketId: string, category: string) => ({
    [PK]: `TICKET#${ticketId}`,
    [SK]: `DEDUPLEAF#${category}`,
  }),
  statsPartition: (month: string) => `STATS#${month}`,
  /** GSI3 partition of the tickets a grid cell's workers handle (小事一格解决), by status. */
  gridHandlerPartition: (grid: string, status: string) => `GRID#${grid}#${status}`,
};

/**
 * Counter items per (scope, id, month) are split over this many shards (by ticket id), so that concurrent
 * transactions of one busy department rarely touch the same item; a read adds the shards up.
 */
export const STATS_SHARDS = 4;

/** The counters' sort key prefix of a scope. */
export const STATS_PREFIX = { department: "DEPT#", grid: "GRID#" } as const;

function shardOf(ticketId: string): number {
  return createHash("sha256").update(ticketId).digest()[0]! % STATS_SHARDS;
}

/** The counter items to add to in the transaction that stores `deltas` (shared/routing/stats.ts). */
export function statsUpdates(
  ticketId: string,
  deltas: readonly StatsDelta[],
): {
  Key: Record<string, string>;
  UpdateExpression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}[] {
  const shard = shardOf(ticketId);
  return deltas.map((d) => {
    const names: Record<string, string> = { "#scope": "scope", "#sid": "sid" };
    const values: Record<string, unknown> = { ":entity": "stats", ":scope": d.scope, ":sid": d.id };
    const adds = Object.entries(d.counts).map(([k, n], i) => {
      names[`#c${i}`] = k;
      values[`:c${i}`] = n;
      return `#c${i} :c${i}`;
    });
    return {
      Key: { [PK]: keys.statsPartition(d.month), [SK]: `${STATS_PREFIX[d.scope]}${d.id}#${shard}` },
      UpdateExpression: `SET entity = :entity, #scope = :scope, #sid = :sid ADD ${adds.join(", ")}`,
      names,
      values,
    };
  });
}

/** States whose deadlines the supervision sweep watches through GSI2. */
export const SUPERVISED_STATES = ["dispatched", "accepted"] as const;

/**
 * GSI2's sort key: in a supervised state the next supervision moment, so that the sweep reads only the tickets
 * due a look (`GSI2SK <= now`); with nothing left to do it sorts after every moment ("~"). Elsewhere the resolve
 * deadline or the creation time.
 */
export function statusSortKey(ticket: Ticket, policy?: SupervisionPolicy): string {
  const fallback = ticket.dueAt ?? ticket.createdAt;
  if (policy && (SUPERVISED_STATES as readonly string[]).includes(ticket.status)) {
    const next = withClosureDefaults(ticket);
    return `${nextSupervisionAt(next, policy) ?? `~${fallback}`}#${ticket.id}`;
  }
  return `${fallback}#${ticket.id}`;
}

/** The META item of a ticket, with the index attributes derived from it. */
/** "YYYYMM" of an ISO time: the creation index's partition (GSI9). */
export function createdMonth(at: string): string {
  return at.slice(0, 7).replace("-", "");
}

export function ticketItem(
  ticket: Ticket,
  phoneKey: Buffer,
  policy?: SupervisionPolicy,
): Record<string, unknown> {
  const { history: _history, ...rest } = ticket;
  const item: Record<string, unknown> = {
    ...keys.ticket(ticket.id),
    entity: "ticket",
    version: ticket.version,
    ticket: rest,
    GSI2PK: keys.statusPartition(ticket.status),
    GSI2SK: statusSortKey(ticket, policy),
  };
  if (ticket.dispatchPending) {
    item.GSI1PK = keys.pendingPartition;
    item.GSI1SK = `${ticket.updatedAt}#${ticket.id}`;
  }
  if (ticket.handlingGrid) {
    item.GSI3PK = keys.gridHandlerPartition(ticket.handlingGrid, ticket.status);
    item.GSI3SK = `${ticket.updatedAt}#${ticket.id}`;
  } else if (ticket.department) {
    item.GSI3PK = `DEPT#${ticket.department}#${ticket.status}`;
    item.GSI3SK = `${ticket.updatedAt}#${ticket.id}`;
  }
  // Written once: the keys never change and nothing else is projected, so no later write rewrites the entry.
  item.GSI9PK = keys.createdPartition(createdMonth(ticket.createdAt));
  item.GSI9SK = `${ticket.createdAt}#${ticket.id}`;
  if (ticket.reporter.phone) {
    item.GSI4PK = keys.phonePartition(ticket.reporter.phone, phoneKey);
    item.GSI4SK = `${ticket.createdAt}#${ticket.id}`;
  }
  if (ticket.reporter.channelUserId) {
    item.GSI6PK = keys.channelUserPartition(ticket.channel, ticket.reporter.channelUserId);
    item.GSI6SK = `${ticket.createdAt}#${ticket.id}`;
  }
  // No GSI8 keys here: the repeat index entries are items of their own (dedupEntryItems).
  return item;
}

/** A callback item; its index attributes only while it is pending (sparse). */
export function callbackItem(cb: CallbackRecord): Record<string, unknown> {
  const item: Record<string, unknown> = {
    ...keys.callback(cb.id),
    entity: "callback",
    cbVersion: cb.version,
    callback: cb,
  };
  if (cb.status === "pending") {
    item.GSI1PK = keys.callbackPartition(cb.channel);
    item.GSI1SK = `${cb.expiresAt}#${cb.id}`;
    if (cb.channelUserId) {
      item.GSI4PK = keys.callbackUserPartition(cb.channel, cb.channelUserId);
      item.GSI4SK = `${cb.createdAt}#${cb.id}`;
    }
  }
  return item;
}

/** The full grid path of a ticket's area, when it reaches a grid cell. */
export function gridPath(ticket: Pick<Ticket, "location">): string | null {
  const a = ticket.location.area;
  return a?.district && a.street && a.community && a.grid
    ? `${a.district}/${a.street}/${a.community}/${a.grid}`
    : null;
}

/**
 * Lookup items written in the same transaction as a new ticket: its number → id, and for a grid worker's patrol
 * report the day's patrol record (the day is the ticket number's city-local day).
 */
export function ticketSideItems(ticket: Ticket): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [
    { ...keys.ticketNo(ticket.ticketNo), entity: "ticketno", ticketId: ticket.id },
  ];
  const grid = gridPath(ticket);
  if (ticket.channel === "grid" && grid) {
    const day = ticket.ticketNo.slice(0, 8);
    items.push({
      ...keys.patrolReport(day, grid, ticket.id),
      entity: "patrol-report",
      grid,
      ticketId: ticket.id,
      ticketNo: ticket.ticketNo,
      actor: ticket.history[0]?.actor ?? "",
      at: ticket.createdAt,
    });
  }
  if (DEDUP_OPEN.has(ticket.status)) items.push(...dedupEntryItems(ticket));
  const filer = ticket.history[0];
  if (filer?.role === "grid-worker") {
    items.push({
      [PK]: keys.filerPartition(filer.actor),
      [SK]: `${ticket.createdAt}#${ticket.id}`,
      entity: "filed",
      ticketId: ticket.id,
    });
  }
  return items;
}

/** States in which a ticket is a candidate parent for repeats. */
const DEDUP_OPEN: ReadonlySet<string> = new Set(["received", "triage", "dispatched", "accepted", "resolved"]);

/** The GSI8 keys and projected attributes of one repeat index entry of a ticket. */
function dedupAttributes(
  ticket: Ticket,
  slot: { pk: string; sk: string },
  sig: Uint8Array,
): Record<string, unknown> {
  return {
    GSI8PK: keys.dedupPartition(slot.pk),
    GSI8SK: slot.sk,
    ddNo: ticket.ticketNo,
    // Binary: 128 bytes read per candidate (the ticket's textSignature is 344 characters of base64)
    ddSig: sig,
    ...(ticket.location.lat !== undefined && ticket.location.lng !== undefined
      ? { ddLat: ticket.location.lat, ddLng: ticket.location.lng }
      : {}),
  };
}

/** The longest repeat window (dedup.windowDays ≤ 365): an entry older than that is no candidate anywhere. */
const DEDUP_ENTRY_TTL_DAYS = 366;

/**
 * The repeat index entries of an open ticket with a repeat key and a signature, as items of their own beside
 * the META item: `TICKET#<id> / DEDUP` for its own place and, for a report placed only to its community or
 * street (`dedupCells`), one `TICKET#<id> / DEDUPCELL#<community>/<grid>` per basic cell, so that a later report
 * placed to that cell meets it with its one query, and for a cell report known only to its top-level category
 * (`dedupLeaves`), one `TICKET#<id> / DEDUPLEAF#<category>` per category below it. Written while the ticket is
 * open; they expire after the longest window. None for a key of the older street-level form.
 */
export function dedupEntryItems(ticket: Ticket): Record<string, unknown>[] {
  if (!ticket.dedupKey || !ticket.textSignature) return [];
  const own = dedupSlot(ticket.dedupKey, ticket.createdAt, ticket.id);
  const sig = indexSignature(ticket.textSignature);
  if (!own || !sig) return [];
  const ttl = Math.floor(Date.parse(ticket.createdAt) / 1000) + DEDUP_ENTRY_TTL_DAYS * 86400;
  const cells = dedupCellSlots(ticket.dedupKey, ticket.dedupCells ?? [], ticket.createdAt, ticket.id);
  return [
    {
      ...keys.dedupEntry(ticket.id),
      entity: "dedup-entry",
      ...dedupAttributes(ticket, own, sig),
      [TTL_ATTRIBUTE]: ttl,
    },
    ...cells.map((slot) => ({
      ...keys.dedupCell(ticket.id, slot.cell),
      entity: "dedup-cell",
      ...dedupAttributes(ticket, slot, sig),
      [TTL_ATTRIBUTE]: ttl,
    })),
    ...dedupLeafSlots(ticket.dedupKey, ticket.dedupLeaves ?? [], ticket.createdAt, ticket.id).map((slot) => ({
      ...keys.dedupLeaf(ticket.id, slot.leaf),
      entity: "dedup-leaf",
      ...dedupAttributes(ticket, slot, sig),
      [TTL_ATTRIBUTE]: ttl,
    })),
  ];
}

/**
 * What a save does to those entries: written again when the ticket becomes open (unmerge, 重办), deleted when it
 * stops being open (merged, closed, rejected…); nothing while it stays on one side.
 */
export function dedupEntryWrites(
  ticket: Ticket,
  events: readonly HistoryEvent[],
): { put: Record<string, unknown>[]; remove: Record<string, string>[] } {
  const first = events[0];
  const none = { put: [], remove: [] };
  if (!first) return none;
  const wasOpen = first.from !== null && DEDUP_OPEN.has(first.from);
  const isOpen = DEDUP_OPEN.has(ticket.status);
  if (isOpen && !wasOpen) return { put: dedupEntryItems(ticket), remove: [] };
  if (wasOpen && !isOpen) {
    const entries = dedupEntryItems(ticket);
    return { put: [], remove: entries.map((e) => ({ [PK]: e[PK] as string, [SK]: e[SK] as string })) };
  }
  return none;
}

/**
 * The history events one write adds, in ONE item keyed by the first of them (`events`, in order): a create
 * (received + dispatched) or an action writes one event item, not one per event, so each transaction holds an item
 * fewer (DynamoDB Local spends about as much on an item as on a whole small transaction; DynamoDB bills each
 * item's write units twice in a transaction). Items written one event each (`event`) are still read.
 */
export function eventItem(ticketId: string, events: readonly HistoryEvent[]): Record<string, unknown> {
  const first = events[0];
  if (!first) throw new Error("an event item needs at least one event");
  return { ...keys.event(ticketId, first), entity: "event", events };
}

/** Rebuilds a ticket from its META item and (optionally) its event items. */
export function ticketFromItems(
  meta: Record<string, unknown>,
  events: Record<string, unknown>[] = [],
): Ticket {
  const history = events
    .flatMap((e) => (Array.isArray(e.events) ? (e.events as HistoryEvent[]) : [e.event as HistoryEvent]))
    .sort((a, b) => a.seq - b.seq);
  return withClosureDefaults({ ...(meta.ticket as Omit<Ticket, "history">), history });
}

/** CreateTable input for the local stand-in and tests; infra/ declares the same layout for AWS. */
export function tableDefinition(tableName: string) {
  const attrs = new Set<string>([PK, SK]);
  for (const i of TABLE_INDEXES) {
    attrs.add(i.pk);
    attrs.add(i.sk);
  }
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST" as const,
    // The table is the dispatch outbox: its stream feeds the consumer that sends tickets to their queues.
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" as const },
    AttributeDefinitions: [...attrs].map((name) => ({ AttributeName: name, AttributeType: "S" as const })),
    KeySchema: [
      { AttributeName: PK, KeyType: "HASH" as const },
      { AttributeName: SK, KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: TABLE_INDEXES.map((i: IndexDefinition) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: i.pk, KeyType: "HASH" as const },
        { AttributeName: i.sk, KeyType: "RANGE" as const },
      ],
      Projection: projectionOf(i),
    })),
  };
}
