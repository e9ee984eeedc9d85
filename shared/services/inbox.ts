import { ForbiddenError, ValidationError } from "../domain/errors.js";
import type { Actor } from "../domain/lifecycle.js";
import { QueueMessage, type Ticket } from "../domain/ticket.js";
import { TRIAGE } from "../ports.js";
import { signLease } from "../security/lease.js";
import type { Core } from "./context.js";
import { isWaitingAt } from "./delivery.js";

export interface InboxItem {
  leaseToken: string;
  ticket: Ticket;
  /** Set for a supervision notice (shared/closure/sweep.ts): warn 预警, urge 督办, escalate 升级. */
  notice?: QueueMessage["notice"];
  deadline?: QueueMessage["deadline"];
}

/**
 * A supervision notice stays in the inbox while its ticket is still being handled there: a department's warn or
 * urge while the ticket is its own, an escalation in the triage inbox while the ticket is escalated and open.
 */
function noticeApplies(message: QueueMessage, ticket: Ticket, target: string): boolean {
  if (!message.notice || !["dispatched", "accepted"].includes(ticket.status)) return false;
  return target === TRIAGE
    ? message.notice === "escalate" && !!ticket.escalatedAt
    : message.notice !== "escalate" && ticket.department === target;
}

/** The queue an actor may poll: a department its own; a dispatcher the triage queue. */
export function inboxTarget(requested: string, actor: Actor): string {
  if (requested === TRIAGE) {
    if (actor.role !== "dispatcher") throw new ForbiddenError();
    return TRIAGE;
  }
  if (actor.role === "department" && actor.department === requested) return requested;
  throw new ForbiddenError("只能读取本单位的队列 / you can only read your own department's queue");
}

/**
 * Long-polls a queue and returns the tickets still waiting there, each with a lease token (valid until the
 * queue's visibility timeout) that binds the receipt handle to this ticket, its version and this queue. Stale copies — a ticket that moved on since it was queued — are deleted.
 */
export async function pollInbox(
  core: Core,
  requested: string,
  actor: Actor,
  opts: { max?: number; waitSeconds?: number } = {},
): Promise<InboxItem[]> {
  const target = inboxTarget(requested, actor);
  const max = opts.max ?? 10;
  const waitSeconds = opts.waitSeconds ?? 1;
  if (!Number.isInteger(max) || max < 1 || max > 10)
    throw new ValidationError("max 须为 1–10 / max must be 1–10", "max");
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 20)
    throw new ValidationError("wait 须为 0–20 秒 / wait must be 0–20 seconds", "wait");

  const received = await core.queue.receive(target, { max, waitSeconds });
  const items: InboxItem[] = [];
  const seen = new Set<string>();
  const loaded = await Promise.all(
    received.map(async ({ message, lease }) => {
      const parsed = QueueMessage.safeParse(message);
      return { parsed, lease, ticket: parsed.success ? await core.store.get(parsed.data.ticketId) : null };
    }),
  );
  for (const { parsed, lease, ticket } of loaded) {
    const notice = parsed.success && ticket && noticeApplies(parsed.data, ticket, target);
    const waiting = ticket && !seen.has(ticket.id) && (isWaitingAt(ticket, target) || notice);
    if (!waiting) {
      if (!parsed.success) core.log.log("warn", "dropping malformed queue message", { target });
      await core.queue.delete(target, lease);
      continue;
    }
    seen.add(ticket.id);
    const leaseToken = signLease(core.secrets, {
      ticketId: ticket.id,
      version: ticket.version,
      target,
      handle: lease,
    });
    items.push({
      leaseToken,
      ticket,
      ...(notice && parsed.success ? { notice: parsed.data.notice, deadline: parsed.data.deadline } : {}),
    });
  }
  return items;
}
