import { addDuration } from "../closure/deadline.js";
import type { CoHandlerAssignment } from "../domain/lifecycle.js";
import type { AreaPath, Ticket, Urgency } from "../domain/ticket.js";
import type { Core } from "../services/context.js";
import type { RoutingDecision } from "./router.js";

/**
 * Each co-handler's own deadline: the rule's time limit for it when it sets one (working-day aware), never later
 * than the ticket's own.
 */
export function coHandlerAssignments(
  core: Core,
  decision: Pick<RoutingDecision, "coHandlers">,
  now: Date,
  ticketDue: string | null,
): CoHandlerAssignment[] {
  const calendar = core.deadlines.calendar;
  return decision.coHandlers.map((c) => {
    if (!c.deadline) return { department: c.department, dueAt: ticketDue };
    const own = addDuration(now, c.deadline, calendar, core.config.city.timezoneOffsetMinutes).toISOString();
    return { department: c.department, dueAt: ticketDue && ticketDue < own ? ticketDue : own };
  });
}

/**
 * Where the rules send a ticket now: lead, its deadline and its co-handlers, and for a small matter handled by
 * the grid workers (小事一格解决) their grid cell; null → triage.
 */
export function routeNow(
  core: Core,
  ticket: Pick<Ticket, "categoryId" | "urgency"> & { location: { area?: AreaPath } },
  now: Date,
  exclude: ReadonlySet<string> = new Set(),
): { department: string; grid?: string; dueAt: string; coHandlers: CoHandlerAssignment[] } | null {
  const decision = core.decider.decide(ticket.categoryId, ticket.location.area, ticket.urgency as Urgency);
  if (!decision || exclude.has(decision.lead)) return null;
  const dueAt = core.deadlines.dueAt(now, ticket.urgency, ticket.categoryId);
  return {
    department: decision.lead,
    ...(decision.grid ? { grid: decision.grid } : {}),
    dueAt,
    coHandlers: coHandlerAssignments(core, decision, now, dueAt),
  };
}
