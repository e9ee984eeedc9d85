import type { HistoryEvent, Ticket } from "../domain/ticket.js";
import { errorFields } from "../log.js";
import { NOTIFICATION, type NotificationSenders } from "../ports.js";
import type { Core } from "../services/context.js";
import { Notification, notificationsFor } from "./notification.js";

/** How long a delivered notification's id is remembered, so that a redelivered message is not sent twice. */
export const NOTIFICATION_DEDUP_DAYS = 14;

/**
 * Puts the notifications a transition calls for on the notification queue. A failed send is logged and does
 * not undo the transition: the resident's ticket is safe in the table, only the message is late or missing.
 */
export async function enqueueNotifications(
  core: Core,
  ticket: Ticket,
  events: readonly HistoryEvent[],
  opts: { parentNo?: string } = {},
): Promise<number> {
  let sent = 0;
  for (const n of notificationsFor(ticket, events, opts)) {
    if (await sendNotification(core, n)) sent++;
  }
  return sent;
}

/** Puts one notification on the queue; false (logged) when the queue refused it. */
export async function sendNotification(core: Core, notification: Notification): Promise<boolean> {
  try {
    await core.queue.send(NOTIFICATION, notification);
    return true;
  } catch (err) {
    core.log.log("warn", "notification not queued", {
      ticketId: notification.ticketId,
      kind: notification.kind,
      ...errorFields(err),
    });
    return false;
  }
}

export type NotificationOutcome = "sent" | "skipped" | "duplicate" | "unreadable" | "no-ticket";

/**
 * Delivers one notification-queue record: parse (zod), skip what was delivered before, load the ticket, and
 * hand it to the sender of the ticket's origin channel. Throws when the sender failed, so the record is retried
 * (SQS redelivers it; the Lambda consumer reports it as a partial batch failure).
 */
export async function processNotification(
  core: Core,
  senders: NotificationSenders,
  body: unknown,
): Promise<NotificationOutcome> {
  const parsed = Notification.safeParse(body);
  if (!parsed.success) {
    core.log.log("warn", "unreadable notification dropped", {});
    return "unreadable";
  }
  const n = parsed.data;
  const doneKey = `notification:${n.id}`;
  if (await core.store.isDone(doneKey)) return "duplicate";
  const ticket = await core.store.get(n.ticketId);
  if (!ticket) return "no-ticket";
  const sender = senders[ticket.channel];
  let outcome: "sent" | "skipped" = "skipped";
  if (sender) outcome = await sender.deliver(ticket, n);
  else
    core.log.log("info", "no sender for the ticket's channel", {
      ticketId: ticket.id,
      channel: ticket.channel,
    });
  await core.store.markDone(doneKey, NOTIFICATION_DEDUP_DAYS);
  core.log.log("info", "notification delivered", {
    ticketId: ticket.id,
    kind: n.kind,
    channel: ticket.channel,
    outcome,
  });
  return outcome;
}

/**
 * One poll of the notification queue (the local runtime's consumer; in AWS a Lambda with an SQS event source
 * does the same per record). A record whose delivery failed is left for redelivery after its visibility timeout.
 */
export async function consumeNotifications(
  core: Core,
  senders: NotificationSenders,
  opts: { max?: number; waitSeconds?: number } = {},
) {
  const received = await core.queue.receive(NOTIFICATION, {
    max: opts.max ?? 10,
    waitSeconds: opts.waitSeconds ?? 0,
  });
  const counts = { delivered: 0, failed: 0 };
  for (const { message, lease } of received) {
    try {
      await processNotification(core, senders, message);
      await core.queue.delete(NOTIFICATION, lease);
      counts.delivered++;
    } catch (err) {
      counts.failed++;
      core.log.log("warn", "notification delivery failed; will be retried", errorFields(err));
    }
  }
  return counts;
}
