import type { Actor } from "../../shared/domain/lifecycle.js";
import type { Ticket } from "../../shared/domain/ticket.js";
import { maskName, maskPhone } from "../../shared/log.js";

/**
 * The ticket as a principal sees it. Departments see the reporter's contact only when the reporter is not
 * anonymous, and never the internal delivery mark.
 */
export function ticketView(ticket: Ticket, actor: Actor) {
  const { dispatchPending, ...rest } = ticket;
  if (actor.role === "department" && ticket.reporter.anonymous) {
    return { ...rest, reporter: { anonymous: true } };
  }
  return actor.role === "department" ? rest : { ...rest, dispatchPending };
}

/** One line of a list: no history, reporter masked. */
export function ticketSummary(ticket: Ticket) {
  return {
    id: ticket.id,
    ticketNo: ticket.ticketNo,
    status: ticket.status,
    title: ticket.title,
    categoryId: ticket.categoryId,
    department: ticket.department,
    createdAt: ticket.createdAt,
    dueAt: ticket.dueAt,
    reporter: {
      ...(ticket.reporter.name ? { name: maskName(ticket.reporter.name) } : {}),
      ...(ticket.reporter.phone ? { phone: maskPhone(ticket.reporter.phone) } : {}),
    },
  };
}
