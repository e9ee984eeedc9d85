import type { Ticket } from "../domain/ticket.js";
import type { Core } from "../services/context.js";

/**
 * What the dispatcher sees beside a ticket in triage: the classifier's suggestion, every return with its reason,
 * the department the rules or the last `not_ours` return point to (never one that already returned it), the
 * likely repeats, and whether the ticket is in joint handling (联合处置).
 */
export function triageBrief(core: Core, ticket: Ticket) {
  const returns = ticket.returns ?? [];
  const returned = new Set(returns.map((r) => r.department));
  const named = [...returns]
    .reverse()
    .find((r) => r.suggestedDepartment && !returned.has(r.suggestedDepartment));
  const categoryId = ticket.categoryId ?? ticket.suggestion?.categoryId ?? null;
  const ruled = core.decider.decide(categoryId, ticket.location.area, ticket.urgency)?.lead ?? null;
  const suggestedDepartment = named?.suggestedDepartment ?? (ruled && !returned.has(ruled) ? ruled : null);
  return {
    suggestion: ticket.suggestion,
    suggestedCategoryId: categoryId,
    suggestedDepartment,
    returns,
    escalated: !!ticket.escalatedAt,
    jointHandling: ticket.escalatedAt ? [...returned] : [],
    duplicateCandidates: ticket.duplicateCandidates ?? [],
  };
}
