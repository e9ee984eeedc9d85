import type { CityConfig } from "../../shared/config/schema.js";
import type { Actor } from "../../shared/domain/lifecycle.js";
import type { Ticket } from "../../shared/domain/ticket.js";
import { maskName, maskPhone } from "../../shared/log.js";
import { publicProgress, statusText } from "../../shared/notify/notification.js";

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

/**
 * What anyone holding the ticket number and the phone's last four digits may read (the public status page,
 * Open311 clients): status, category, coarse area (district and street names), public progress notes and
 * dates. Never the reporter, the exact address, the department's internal notes or internal ids.
 */
export function publicTicketView(ticket: Ticket, config: CityConfig) {
  const category = config.categories.find((c) => c.id === ticket.categoryId);
  const district = config.districts.find((d) => d.id === ticket.location.area?.district);
  const street = district?.streets.find((s) => s.id === ticket.location.area?.street);
  return {
    ticketNo: ticket.ticketNo,
    status: ticket.status,
    statusText: statusText(ticket.status),
    category: category ? { id: category.id, name: category.name } : null,
    area: [district?.name, street?.name].filter(Boolean).join(" ") || null,
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
    resolvedAt: ticket.resolvedAt,
    closedAt: ticket.closedAt,
    progress: publicProgress(ticket),
    ...(ticket.status === "rejected" && ticket.closeReason ? { rejectReason: ticket.closeReason } : {}),
  };
}
