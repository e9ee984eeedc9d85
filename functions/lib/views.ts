import type { CityConfig } from "../../shared/config/schema.js";
import type { Actor } from "../../shared/domain/lifecycle.js";
import type { HistoryEvent, Ticket } from "../../shared/domain/ticket.js";
import { maskName, maskPhone } from "../../shared/log.js";
import { maskText } from "../../shared/privacy/mask.js";

export { maskText } from "../../shared/privacy/mask.js";

/** Roles that see a ticket whole: the hotline operator (calls back) and the dispatcher (verifies, triages). */
const FULL_VIEW: ReadonlySet<Actor["role"]> = new Set(["operator", "dispatcher"]);

import { publicProgress, statusText } from "../../shared/notify/notification.js";

/**
 * True when `actor` may see the reporter's contact (name, phone, channel user id): operators and dispatchers
 * always; a department only while the ticket is its own — never after it returned it — and only when the
 * reporter is neither anonymous nor asked for confidentiality (保密); every other principal never.
 */
export function seesContact(ticket: Ticket, actor: Actor): boolean {
  if (FULL_VIEW.has(actor.role)) return true;
  if (actor.role !== "department") return false;
  return (
    ticket.department === actor.department && !ticket.reporter.anonymous && !ticket.reporter.confidential
  );
}

/** The reporter without any contact: whether they are anonymous / asked for confidentiality, nothing else. */
function contactless(reporter: Ticket["reporter"]) {
  return {
    anonymous: reporter.anonymous,
    ...(reporter.confidential ? { confidential: true } : {}),
  };
}

/** Free text with phone and ID-card numbers typed inside it masked (shared/privacy/mask.ts). */
function maskedEvent(e: HistoryEvent): HistoryEvent {
  return e.note ? { ...e, note: maskText(e.note) } : e;
}

/**
 * The ticket as a principal sees it. Operators and dispatchers: everything but nothing hidden. Everyone else:
 * the reporter's contact only as `seesContact` allows, phone numbers typed into the description, notes and the
 * result masked, and never the internal delivery mark.
 */
export function ticketView(ticket: Ticket, actor: Actor) {
  const { dispatchPending, ...rest } = ticket;
  if (FULL_VIEW.has(actor.role)) return { ...rest, dispatchPending };
  return {
    ...rest,
    title: maskText(ticket.title),
    description: maskText(ticket.description),
    location: { ...ticket.location, address: maskText(ticket.location.address) },
    reporter: seesContact(ticket, actor) ? ticket.reporter : contactless(ticket.reporter),
    resolution: ticket.resolution
      ? { ...ticket.resolution, result: maskText(ticket.resolution.result) }
      : null,
    history: ticket.history.map(maskedEvent),
  };
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
