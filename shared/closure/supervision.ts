import type { Command } from "../domain/lifecycle.js";
import type { Ticket } from "../domain/ticket.js";
import type { DeadlineKind, SupervisionStage } from "./schema.js";

/**
 * 督查督办 as pure functions of (ticket, now, policy): at `warnAtFraction` of a deadline a warning (预警), at the
 * deadline an urge (督办) with the ticket marked overdue, `escalateAfterHours` later an escalation to the centre.
 * Each deadline is measured from the start of the current round of handling (`dispatchedAt`).
 */
export interface SupervisionPolicy {
  warnAtFraction: number;
  escalateAfterHours: number;
}

const ORDER: readonly SupervisionStage[] = ["none", "warned", "urged", "escalated"];
const STEP: Record<Exclude<SupervisionStage, "none">, "warn" | "urge" | "escalate"> = {
  warned: "warn",
  urged: "urge",
  escalated: "escalate",
};

/** The deadlines that still run: accept while waiting to be accepted, resolve while not yet resolved. */
export function runningDeadlines(ticket: Ticket): { kind: DeadlineKind; dueAt: string }[] {
  const out: { kind: DeadlineKind; dueAt: string }[] = [];
  if (ticket.status === "dispatched" && ticket.acceptDueAt)
    out.push({ kind: "accept", dueAt: ticket.acceptDueAt });
  if ((ticket.status === "dispatched" || ticket.status === "accepted") && ticket.dueAt)
    out.push({ kind: "resolve", dueAt: ticket.dueAt });
  return out;
}

/** When each stage of a deadline falls (epoch ms). */
export function stageMoments(start: string, dueAt: string, policy: SupervisionPolicy) {
  const s = Date.parse(start);
  const due = Date.parse(dueAt);
  return {
    warned: s + Math.max(0, due - s) * policy.warnAtFraction,
    urged: due,
    escalated: due + policy.escalateAfterHours * 3_600_000,
  } satisfies Record<Exclude<SupervisionStage, "none">, number>;
}

/** The next moment the sweep has something to do for this ticket, or null. */
export function nextSupervisionAt(ticket: Ticket, policy: SupervisionPolicy): string | null {
  let next = Number.POSITIVE_INFINITY;
  const start = ticket.dispatchedAt ?? ticket.createdAt;
  for (const { kind, dueAt } of runningDeadlines(ticket)) {
    const moments = stageMoments(start, dueAt, policy);
    const reached = ORDER.indexOf(ticket.supervision[kind]);
    const upcoming = ORDER.slice(reached + 1) as Exclude<SupervisionStage, "none">[];
    const first = upcoming[0];
    if (first) next = Math.min(next, moments[first]);
  }
  return Number.isFinite(next) ? new Date(next).toISOString() : null;
}

/**
 * The supervision commands due at `now`, in order. A stage that was missed (the sweep did not run) is still
 * emitted, so the history and the statistics see every warning, urge and escalation.
 */
export function dueSupervision(ticket: Ticket, now: Date, policy: SupervisionPolicy): Command[] {
  const commands: Command[] = [];
  const start = ticket.dispatchedAt ?? ticket.createdAt;
  for (const { kind, dueAt } of runningDeadlines(ticket)) {
    const moments = stageMoments(start, dueAt, policy);
    const reached = ORDER.indexOf(ticket.supervision[kind]);
    for (const stage of ORDER.slice(reached + 1) as Exclude<SupervisionStage, "none">[]) {
      if (moments[stage] > now.getTime()) break;
      const type = STEP[stage];
      commands.push(
        type === "escalate" ? { type, deadline: kind, reason: "overdue" } : { type, deadline: kind },
      );
    }
  }
  return commands;
}
