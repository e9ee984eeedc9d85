import { ConflictError } from "../domain/errors.js";
import { type Actor, type Command, transition } from "../domain/lifecycle.js";
import type { HistoryEvent, QueueMessage, Ticket } from "../domain/ticket.js";
import { errorFields } from "../log.js";
import { TRIAGE } from "../ports.js";
import type { Core } from "../services/context.js";
import { queueMessageBody, redriveDeadLetters, sweepPending } from "../services/delivery.js";
import { expireCallbacks } from "./callbacks.js";
import type { DeadlineKind } from "./schema.js";
import { dueSupervision } from "./supervision.js";

const SYSTEM: Actor = { id: "system", role: "system" };

/** The supervision notice a department (warn, urge) or the centre (escalate) receives on its queue. */
function noticeFor(ticket: Ticket, event: HistoryEvent): { target: string; message: QueueMessage } | null {
  const notice = event.type as "warn" | "urge" | "escalate";
  if (!["warn", "urge", "escalate"].includes(notice)) return null;
  const target = notice === "escalate" ? TRIAGE : ticket.department;
  if (!target) return null;
  return {
    target,
    message: {
      ...queueMessageBody(ticket, target),
      notice,
      ...(event.data?.deadline ? { deadline: event.data.deadline as DeadlineKind } : {}),
    },
  };
}

/**
 * 督查督办: one sweep as of `now`. Reads only the tickets whose next supervision moment has come (index GSI2:
 * status + that moment), applies the warnings, urges and escalations due, saves each ticket conditionally and
 * then tells the department's queue (warn, urge) or the triage queue (escalate). Running it twice at the same
 * moment changes nothing more: the stages reached are on the ticket, and its index moment moves past `now`.
 */
export async function superviseDeadlines(core: Core, now = core.clock.now(), opts: { limit?: number } = {}) {
  const counts = { seen: 0, warned: 0, urged: 0, escalated: 0, failed: 0 };
  const policy = core.config.deadlines;
  for (const status of ["dispatched", "accepted"] as const) {
    let cursor: string | undefined;
    do {
      const page = await core.store.listSupervisionDue(status, now.toISOString(), opts.limit ?? 100, cursor);
      for (const listed of page.items) {
        counts.seen++;
        try {
          const done = await superviseOne(core, listed.id, now, policy);
          for (const e of done) {
            if (e.type === "warn") counts.warned++;
            if (e.type === "urge") counts.urged++;
            if (e.type === "escalate") counts.escalated++;
          }
        } catch (err) {
          counts.failed++;
          core.log.log("warn", "supervision failed; the next sweep retries", {
            ticketId: listed.id,
            ...errorFields(err),
          });
        }
      }
      cursor = page.cursor;
    } while (cursor);
  }
  if (counts.warned + counts.urged + counts.escalated)
    core.log.log("info", "supervision sweep", { at: now.toISOString(), ...counts });
  return counts;
}

async function superviseOne(
  core: Core,
  id: string,
  now: Date,
  policy: Core["config"]["deadlines"],
): Promise<HistoryEvent[]> {
  for (let attempt = 0; ; attempt++) {
    const current = await core.store.get(id);
    if (!current) return [];
    const commands: Command[] = dueSupervision(current, now, policy);
    if (!commands.length) return [];
    const handUp = notAcceptedHandUp(core, current, commands, now);
    if (handUp) commands.push(handUp);
    let ticket = current;
    const events: HistoryEvent[] = [];
    for (const command of commands) {
      const r = transition(ticket, command, SYSTEM, now);
      ticket = r.ticket;
      events.push(...r.events);
    }
    try {
      await core.store.save(ticket, events, current.version);
    } catch (err) {
      if (err instanceof ConflictError && attempt < 3) continue;
      throw err;
    }
    // Per deadline only the latest notice to the department (a ticket found long overdue gets one urge, not a
    // warning too), and the escalation to the centre.
    const latest = new Map<string, HistoryEvent>();
    for (const e of events) {
      // handed up: the street office's dispatch message is its notice of the missed accept deadline
      if (handUp && e.data?.deadline === "accept") continue;
      latest.set(`${e.data?.deadline}:${e.type === "escalate" ? "centre" : "dept"}`, e);
    }
    for (const e of latest.values()) {
      const out = noticeFor(ticket, e);
      if (!out) continue;
      await core.queue.send(out.target, out.message).catch((err: unknown) => {
        // The ticket already carries the fact (history, overdue, escalatedAt); only the push is lost.
        core.log.log("warn", "supervision notice not queued", { ticketId: id, ...errorFields(err) });
      });
    }
    return events;
  }
}

/**
 * 小事一格解决 when nobody in the grid cell picks it up: once the accept deadline of a small matter its grid's
 * workers handle has passed (the sweep urges it), it goes up to the grid's street office with fresh deadlines
 * (`smallMatters.handUpWhenNotAccepted`), as a grid worker's own hand-up would.
 */
function notAcceptedHandUp(core: Core, ticket: Ticket, due: Command[], now: Date): Command | null {
  if (!core.config.smallMatters.handUpWhenNotAccepted) return null;
  if (!ticket.handlingGrid || ticket.status !== "dispatched" || !ticket.department) return null;
  const missed = due.some((c) => (c.type === "urge" || c.type === "escalate") && c.deadline === "accept");
  if (!missed) return null;
  return {
    type: "hand-up",
    reason: "网格员超时未签收，转街道办理 / not accepted by the grid in time: handed up to the street office",
    department: ticket.department,
    ...core.deadlines.deadlines(now, ticket.urgency, ticket.categoryId),
  };
}

/**
 * Everything the scheduled sweeper does, in order: re-send dispatch-pending tickets, offer unclaimed tickets
 * again from the dead-letter queues, supervise deadlines, expire unanswered callbacks.
 */
export async function sweepAll(core: Core, opts: { graceSeconds?: number } = {}) {
  const now = core.clock.now();
  const pending = await sweepPending(core, { graceSeconds: opts.graceSeconds });
  const deadLetters = await redriveDeadLetters(core);
  const supervision = await superviseDeadlines(core, now);
  const callbacks = await expireCallbacks(core, now);
  return { pending, deadLetters, supervision, callbacks };
}
