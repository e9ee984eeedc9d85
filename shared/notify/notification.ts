import * as z from "zod/mini";
import type { HistoryEvent, Ticket } from "../domain/ticket.js";
import "../zod.js";

/**
 * What a resident is told about their ticket (DESIGN.md §4: "a state change puts a message on the notification
 * queue; one consumer per channel delivers it"). The message carries no personal data: the consumer loads the
 * ticket and reaches its reporter through the channel the request came in on.
 */
export const NotificationKind = /* @__PURE__ */ (() =>
  z.enum([
    "accepted", // 已签收
    "progress", // 办理进展
    "resolved", // 已办结
    "closed", // 已结案
    "reopened", // 重办
    "merged", // 重复工单: followed up with the parent's number
    "rejected", // 不予受理, with the reason
    "callback", // 回访: the satisfaction question
  ]))();
export type NotificationKind = z.infer<typeof NotificationKind>;

export const Notification = /* @__PURE__ */ (() =>
  z.object({
    /** Unique per effect: `<ticketId>:<version>:<kind>`; consumers deliver each id at most once. */
    id: z.string().check(z.minLength(1), z.maxLength(300)),
    ticketId: z.string().check(z.minLength(1)),
    ticketNo: z.string().check(z.minLength(1)),
    version: z.number().check(z.int(), z.positive()),
    kind: NotificationKind,
    /** Chinese, short, the ticket number always, never an internal id. */
    text: z.string().check(z.minLength(1), z.maxLength(1000)),
    /** Set for `callback`: the callback (回访) being asked. */
    callbackId: z.optional(z.string()),
    at: z.iso.datetime(),
  }))();
export type Notification = z.infer<typeof Notification>;

const STATUS_TEXT: Record<Ticket["status"], string> = {
  received: "已受理",
  triage: "分派中",
  dispatched: "已派单",
  accepted: "办理中",
  resolved: "已办结，待核查",
  closed: "已结案",
  merged: "已合并",
  rejected: "不予受理",
};

/** The status as a resident reads it (also used by status queries in the channels). */
export function statusText(status: Ticket["status"]): string {
  return STATUS_TEXT[status];
}

function textFor(ticket: Ticket, event: HistoryEvent, parentNo?: string): string | null {
  const no = `工单 ${ticket.ticketNo}`;
  switch (event.type) {
    case "accept":
      return `【12345】您的${no}已由承办单位签收，正在办理。`;
    case "resolve":
      return `【12345】您的${no}已办结：${(event.note ?? "").slice(0, 200)}`;
    case "verify":
    case "confirm":
      return event.to === "closed" ? `【12345】您的${no}已核查结案，感谢您的反映。` : null;
    case "reopen":
      return `【12345】您的${no}已重新交办（重办），我们会继续跟进。`;
    case "merge":
      return `【12345】您反映的问题与已有${parentNo ? `工单 ${parentNo}` : "工单"}相同，已合并办理，后续进展将一并告知。`;
    case "reject":
      return `【12345】您的${no}不予受理：${(event.note ?? "").slice(0, 200)}`;
    default:
      return null;
  }
}

const KIND_OF: Record<string, NotificationKind> = {
  accept: "accepted",
  resolve: "resolved",
  verify: "closed",
  confirm: "closed",
  reopen: "reopened",
  merge: "merged",
  reject: "rejected",
};

/**
 * Pure: the notifications a resident should get for the events a transition emitted (accept, resolve, closure,
 * reopen, merge, reject). Progress notes and callbacks are sent by their own services with their own text.
 */
export function notificationsFor(
  ticket: Ticket,
  events: readonly HistoryEvent[],
  opts: { parentNo?: string } = {},
): Notification[] {
  const out: Notification[] = [];
  for (const event of events) {
    const kind = KIND_OF[event.type];
    const text = kind ? textFor(ticket, event, opts.parentNo) : null;
    if (!kind || !text) continue;
    out.push({
      id: `${ticket.id}:${ticket.version}:${kind}`,
      ticketId: ticket.id,
      ticketNo: ticket.ticketNo,
      version: ticket.version,
      kind,
      text,
      at: event.at,
    });
  }
  return out;
}

/** History events whose note a resident may read: the department's acceptance, progress and result. */
const PUBLIC_NOTE_EVENTS = new Set(["accept", "progress", "resolve"]);

/**
 * The public progress of a ticket (办理进展), oldest first: what the department told the resident, with no actor,
 * no internal note (dispatchers' assign / triage / return notes stay internal) and no internal ids.
 */
export function publicProgress(
  ticket: Pick<Ticket, "history">,
): { at: string; status: Ticket["status"]; note: string }[] {
  return ticket.history
    .filter((e) => PUBLIC_NOTE_EVENTS.has(e.type) && e.note)
    .map((e) => ({ at: e.at, status: e.to, note: e.note as string }));
}
