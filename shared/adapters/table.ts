import { createHash } from "node:crypto";
import type { HistoryEvent, Ticket } from "../domain/ticket.js";

/**
 * The single-table layout: every key is built here and nowhere else.
 *   TICKET#<id> / META                       the ticket (without history)
 *   TICKET#<id> / EVENT#<at>#<seq>           one history event
 *   IDEMP#<key> / IDEMP                      idempotency record (expires after IDEMPOTENCY_TTL_DAYS)
 *   COUNTER#<yyyymmdd> / COUNTER             the day's ticket-number counter
 *   APIKEY#<sha256> / APIKEY                 an API key's principal
 *   DONE#<key> / DONE                        a once-only effect that happened (expires)
 * GSI6 (sparse) holds open tickets with a text signature under DEDUP#<area>#<top category>, sorted by creation.
 */
export const PK = "PK";
export const SK = "SK";
export const IDEMPOTENCY_TTL_DAYS = 30;
export const TTL_ATTRIBUTE = "expiresAt";

/** Global secondary indexes (all project ALL; partition and sort keys are strings). */
export const TABLE_INDEXES = [
  { name: "GSI1", pk: "GSI1PK", sk: "GSI1SK", purpose: "sparse: dispatch-pending tickets by time" },
  { name: "GSI2", pk: "GSI2PK", sk: "GSI2SK", purpose: "status + due time" },
  { name: "GSI3", pk: "GSI3PK", sk: "GSI3SK", purpose: "department + status" },
  { name: "GSI4", pk: "GSI4PK", sk: "GSI4SK", purpose: "reporter (hashed phone)" },
  { name: "GSI5", pk: "GSI5PK", sk: "GSI5SK", purpose: "area + category + time (dedup, hotspots)" },
  { name: "GSI6", pk: "GSI6PK", sk: "GSI6SK", purpose: "sparse: open tickets by repeat partition + time" },
] as const;

export const keys = {
  ticket: (id: string) => ({ [PK]: `TICKET#${id}`, [SK]: "META" }),
  ticketPartition: (id: string) => `TICKET#${id}`,
  event: (id: string, e: HistoryEvent) => ({
    [PK]: `TICKET#${id}`,
    [SK]: `EVENT#${e.at}#${String(e.seq).padStart(6, "0")}`,
  }),
  idempotency: (key: string) => ({ [PK]: `IDEMP#${key}`, [SK]: "IDEMP" }),
  counter: (day: string) => ({ [PK]: `COUNTER#${day}`, [SK]: "COUNTER" }),
  apiKey: (hash: string) => ({ [PK]: `APIKEY#${hash}`, [SK]: "APIKEY" }),
  done: (key: string) => ({ [PK]: `DONE#${key}`, [SK]: "DONE" }),
  pendingPartition: "PENDING",
  statusPartition: (status: string) => `STATUS#${status}`,
  dedupPartition: (partition: string) => `DEDUP#${partition}`,
  phonePartition: (phone: string) => `PHONE#${createHash("sha256").update(phone).digest("hex")}`,
};

/** The META item of a ticket, with the index attributes derived from it. */
export function ticketItem(ticket: Ticket): Record<string, unknown> {
  const { history: _history, ...rest } = ticket;
  const item: Record<string, unknown> = {
    ...keys.ticket(ticket.id),
    entity: "ticket",
    version: ticket.version,
    ticket: rest,
    GSI2PK: keys.statusPartition(ticket.status),
    GSI2SK: `${ticket.dueAt ?? ticket.createdAt}#${ticket.id}`,
  };
  if (ticket.dispatchPending) {
    item.GSI1PK = keys.pendingPartition;
    item.GSI1SK = `${ticket.updatedAt}#${ticket.id}`;
  }
  if (ticket.department) {
    item.GSI3PK = `DEPT#${ticket.department}#${ticket.status}`;
    item.GSI3SK = `${ticket.updatedAt}#${ticket.id}`;
  }
  if (ticket.reporter.phone) {
    item.GSI4PK = keys.phonePartition(ticket.reporter.phone);
    item.GSI4SK = `${ticket.createdAt}#${ticket.id}`;
  }
  if (ticket.location.area?.district && ticket.categoryId) {
    item.GSI5PK = `AREA#${ticket.location.area.district}#${ticket.categoryId}`;
    item.GSI5SK = `${ticket.createdAt}#${ticket.id}`;
  }
  if (ticket.dedupKey && ticket.textSignature && DEDUP_OPEN.has(ticket.status)) {
    item.GSI6PK = keys.dedupPartition(ticket.dedupKey);
    item.GSI6SK = `${ticket.createdAt}#${ticket.id}`;
  }
  return item;
}

/** States in which a ticket is a candidate parent for repeats. */
const DEDUP_OPEN: ReadonlySet<string> = new Set(["received", "triage", "dispatched", "accepted", "resolved"]);

export function eventItem(ticketId: string, event: HistoryEvent): Record<string, unknown> {
  return { ...keys.event(ticketId, event), entity: "event", event };
}

/** Rebuilds a ticket from its META item and (optionally) its event items. */
export function ticketFromItems(
  meta: Record<string, unknown>,
  events: Record<string, unknown>[] = [],
): Ticket {
  const history = events.map((e) => e.event as HistoryEvent).sort((a, b) => a.seq - b.seq);
  return { ...(meta.ticket as Omit<Ticket, "history">), history };
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
    GlobalSecondaryIndexes: TABLE_INDEXES.map((i) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: i.pk, KeyType: "HASH" as const },
        { AttributeName: i.sk, KeyType: "RANGE" as const },
      ],
      Projection: { ProjectionType: "ALL" as const },
    })),
  };
}
