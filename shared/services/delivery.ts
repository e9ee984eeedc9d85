import { ConflictError } from "../domain/errors.js";
import { transition } from "../domain/lifecycle.js";
import { QueueMessage, type Ticket } from "../domain/ticket.js";
import { errorFields } from "../log.js";
import { deadLetterTarget, TRIAGE } from "../ports.js";
import type { Core } from "./context.js";

/**
 * The queue a ticket waits in: its department's while dispatched, triage while in triage; otherwise none. A small
 * matter handled by a grid cell's workers waits in no queue: they read it from their work list (an index query).
 */
export function waitingTarget(ticket: Ticket): string | null {
  if (ticket.status === "triage") return TRIAGE;
  return ticket.status === "dispatched" && !ticket.handlingGrid ? ticket.department : null;
}

/** The message a queue carries for `ticket` at `target` (a department or triage), due at `dueAt`. */
export function queueMessageBody(ticket: Ticket, target: string, dueAt = ticket.dueAt): QueueMessage {
  return {
    ticketId: ticket.id,
    ticketNo: ticket.ticketNo,
    version: ticket.version,
    department: target,
    status: ticket.status,
    categoryId: ticket.categoryId,
    title: ticket.title,
    urgency: ticket.urgency,
    dueAt,
  };
}

export function queueMessageFor(ticket: Ticket): { target: string; message: QueueMessage } | null {
  const target = waitingTarget(ticket);
  if (!target) return null;
  return { target, message: queueMessageBody(ticket, target) };
}

/** Co-handling departments (协办) still to accept a ticket that is being handled: each waits in its own queue. */
export function waitingCoHandlers(ticket: Ticket): string[] {
  if (ticket.status !== "dispatched" && ticket.status !== "accepted") return [];
  return (ticket.coHandlers ?? []).filter((c) => c.status === "dispatched").map((c) => c.department);
}

/** The lead's (or triage's) message and one per co-handler still waiting. */
export function queueMessagesFor(ticket: Ticket): { target: string; message: QueueMessage }[] {
  const main = queueMessageFor(ticket);
  const co = (ticket.coHandlers ?? []).filter((c) => waitingCoHandlers(ticket).includes(c.department));
  return [
    ...(main ? [main] : []),
    ...co.map((c) => ({ target: c.department, message: queueMessageBody(ticket, c.department, c.dueAt) })),
  ];
}

/** True while `ticket` is waiting in `target`'s queue (as lead, triage, or a co-handler yet to accept). */
export function isWaitingAt(ticket: Ticket, target: string): boolean {
  return waitingTarget(ticket) === target || waitingCoHandlers(ticket).includes(target);
}

/**
 * Sends a dispatch-pending ticket to its queue and clears the mark. A failed send is logged and left for the
 * sweeper: the table keeps the mark, so nothing is lost. Returns true when the ticket was delivered.
 */
export async function deliver(core: Core, ticket: Ticket): Promise<boolean> {
  try {
    return await sendOwed(core, ticket);
  } catch (err) {
    core.log.log("warn", "dispatch send failed; left pending for the sweeper", {
      ticketId: ticket.id,
      target: waitingTarget(ticket),
      ...errorFields(err),
    });
    return false;
  }
}

/** Hands a delivered ticket's mark to a batch that clears it later (`clearDispatchPendingMany`). */
export type ClearMark = (id: string, version: number) => void;

/**
 * Sends every queue message a ticket is owed (the lead's or triage's, and one per co-handler still to accept),
 * then clears the dispatch-pending mark while the ticket is still at this version. Throws when a send fails (the
 * mark stays); a mark that cannot be cleared after the sends is logged and left (the sweeper sends again, and
 * consumers drop the duplicate). False when nothing was owed. The one path of inline delivery, the table-stream
 * outbox and the sweeper.
 */
export async function sendOwed(
  core: Core,
  ticket: Ticket,
  opts: { clear?: ClearMark } = {},
): Promise<boolean> {
  const clear = async () => {
    if (opts.clear) opts.clear(ticket.id, ticket.version);
    else await core.store.clearDispatchPending(ticket.id, ticket.version);
  };
  const all = queueMessagesFor(ticket);
  const out = all[0];
  if (!out) {
    if (ticket.dispatchPending) await clear();
    return false;
  }
  for (const m of all) await core.queue.send(m.target, m.message);
  try {
    await clear();
  } catch (err) {
    core.log.log("warn", "could not clear dispatch-pending mark", {
      ticketId: ticket.id,
      ...errorFields(err),
    });
  }
  core.log.log("info", "ticket delivered", {
    ticketId: ticket.id,
    target: out.target,
    version: ticket.version,
  });
  return true;
}

/**
 * Re-sends what the table still marks as dispatch-pending (older than `graceSeconds`). Pages through the whole
 * sparse index (oldest first, `limit` per page), so tickets whose sends keep failing never hide newer ones; it
 * stops at the first ticket inside the grace period, since everything after it is newer still.
 */
export async function sweepPending(core: Core, opts: { graceSeconds?: number; limit?: number } = {}) {
  const cutoff = core.clock.now().getTime() - (opts.graceSeconds ?? 30) * 1000;
  let seen = 0;
  let delivered = 0;
  let failed = 0;
  let cursor: string | undefined;
  do {
    const page = await core.store.listPending(opts.limit ?? 100, cursor);
    for (const ticket of page.items) {
      seen++;
      if (Date.parse(ticket.updatedAt) > cutoff) return { seen, delivered, failed };
      if (await deliver(core, ticket)) delivered++;
      else failed++;
    }
    cursor = page.cursor;
  } while (cursor);
  return { seen, delivered, failed };
}

/**
 * After a restart of an in-memory queue: offers every ticket that the table says is waiting (dispatched and not
 * yet accepted, or in triage) to its queue again. Consumers are idempotent, so extra copies are harmless.
 */
export async function reconcileQueues(core: Core) {
  let offered = 0;
  for (const status of ["dispatched", "accepted", "triage"] as const) {
    let cursor: string | undefined;
    do {
      const page = await core.store.listByStatus(status, 100, cursor);
      for (const ticket of page.items) {
        const all = queueMessagesFor(ticket);
        if (!all.length) continue;
        for (const out of all) await core.queue.send(out.target, out.message);
        if (ticket.dispatchPending) await core.store.clearDispatchPending(ticket.id, ticket.version);
        offered++;
      }
      cursor = page.cursor;
    } while (cursor);
  }
  core.log.log("info", "queues reconciled from the table", { offered });
  return { offered };
}

/**
 * A message lands in a dead-letter queue after `maxReceiveCount` receives without an accept — a department that
 * keeps seeing a ticket and not taking it. The ticket is still waiting, so it must not vanish: every ticket the
 * table says still waits there is offered to its queue again (and the DLQ alarm has told the centre). Stale
 * copies are deleted; a message that is not ours at all stays in the DLQ for a person to inspect.
 * A department's dispatch is redriven at most `queues.maxRedrives` times (counted per ticket version in once-only
 * marks); after that nobody is going to accept it, so the sweeper returns it to triage (a `return` by the system,
 * with the reason in its history) where a dispatcher decides — it never cycles queue ↔ DLQ unseen. The triage
 * queue has no one further to hand to: its tickets are offered again every time, with an error log line each.
 */
export async function redriveDeadLetters(core: Core, opts: { maxPerQueue?: number } = {}) {
  let redriven = 0;
  let dropped = 0;
  let escalated = 0;
  const targets = [...core.config.departments.map((d) => d.id), TRIAGE];
  for (const target of targets) {
    const dlq = deadLetterTarget(target);
    const received = await core.queue.receive(dlq, {
      max: Math.min(10, opts.maxPerQueue ?? 10),
      waitSeconds: 0,
    });
    for (const { message, lease } of received) {
      const parsed = QueueMessage.safeParse(message);
      if (!parsed.success) {
        core.log.log("warn", "unreadable message left in dead-letter queue", { queue: dlq });
        continue;
      }
      const ticket = await core.store.get(parsed.data.ticketId);
      const out =
        ticket && isWaitingAt(ticket, target)
          ? (queueMessagesFor(ticket).find((m) => m.target === target) ?? null)
          : null;
      if (ticket && out && target !== TRIAGE && (await redrivesUsedUp(core, ticket))) {
        await returnUnclaimed(core, ticket);
        escalated++;
      } else if (out) {
        await core.queue.send(out.target, out.message);
        redriven++;
        core.log.log(
          target === TRIAGE ? "error" : "warn",
          "unclaimed ticket offered again from the dead-letter queue",
          {
            ticketId: ticket?.id,
            target,
          },
        );
      } else {
        dropped++;
      }
      await core.queue.delete(dlq, lease);
    }
  }
  return { redriven, dropped, escalated };
}

/** Counts one more redrive of this dispatch (ticket id + version); true when the allowance was used up. */
async function redrivesUsedUp(core: Core, ticket: Ticket): Promise<boolean> {
  const days = core.config.queues.retentionDays + 1;
  for (let n = 1; n <= core.config.queues.maxRedrives; n++) {
    if (await core.store.markDone(`redrive#${ticket.id}#${ticket.version}#${n}`, days)) return false;
  }
  return true;
}

async function returnUnclaimed(core: Core, ticket: Ticket): Promise<void> {
  const n = core.config.queues.maxRedrives;
  const { ticket: next, events } = transition(
    ticket,
    {
      type: "return",
      reason: `无人签收：${n} 次重新投递后转分拨 / nobody accepted it after ${n} redrives: sent to triage`,
    },
    { id: "sweeper", role: "system" },
    core.clock.now(),
  );
  try {
    await core.store.save(next, events, ticket.version);
  } catch (err) {
    if (err instanceof ConflictError) return; // it moved on meanwhile (accepted at last): nothing to do
    throw err;
  }
  core.log.log("error", "unclaimed ticket returned to triage", {
    ticketId: ticket.id,
    department: ticket.department,
    redrives: n,
  });
  await deliver(core, next);
}
