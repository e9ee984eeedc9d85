import { timingSafeEqual } from "node:crypto";
import { DomainError, ValidationError } from "../../domain/errors.js";
import type { Ticket } from "../../domain/ticket.js";
import type { Core } from "../../services/context.js";

const TICKET_NO = /^\d{8}-\d{6}$/;
/** Read when the number does not exist, so that both refusals cost one lookup and one ticket read. */
const ABSENT_ID = "00000000-0000-0000-0000-000000000000";

/**
 * The ticket behind a resident's status query, when the last four digits of the reporter's phone match. The
 * answer is the same 404, after the same work (one number lookup, one ticket read, one constant-time compare),
 * whether the number is unknown or the digits are wrong.
 */
export async function findPublicTicket(
  core: Core,
  ticketNo: string,
  phone4: string | undefined,
): Promise<Ticket> {
  if (!TICKET_NO.test(ticketNo)) {
    throw new ValidationError(
      "工单编号格式应为 20260101-000001 / ticket number must look like 20260101-000001",
      "ticketNo",
    );
  }
  if (!phone4 || !/^\d{4}$/.test(phone4)) {
    throw new ValidationError(
      "请输入手机号码后四位 / the last four digits of the phone are required",
      "phone4",
    );
  }
  const id = await core.store.findIdByTicketNo(ticketNo);
  const ticket = await core.store.get(id ?? ABSENT_ID);
  const actual = (ticket?.reporter.phone ?? "").slice(-4).padStart(4, "x");
  const same = timingSafeEqual(Buffer.from(actual, "utf8"), Buffer.from(phone4, "utf8"));
  if (!ticket || !id || !same || ticket.reporter.anonymous) {
    throw new DomainError(
      "not_found",
      "未找到该工单，或手机号后四位不符 / no such ticket, or the phone digits do not match",
    );
  }
  return ticket;
}
