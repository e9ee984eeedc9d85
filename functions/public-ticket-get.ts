import { enforceRateLimit } from "../shared/channels/web/rate-limit.js";
import { findPublicTicket } from "../shared/channels/web/status.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { publicTicketView } from "./lib/views.js";

/**
 * GET /v1/public/tickets/{ticketNo}?phone4=NNNN — the public view of a ticket for its reporter (the status
 * page). The same 404 whether the number is unknown or the digits are wrong. No key; rate-limited per client.
 */
export const route: Route = async (req, core) => {
  await enforceRateLimit(core, "lookup", req.sourceIp, core.config.publicAccess.lookupsPerWindow);
  const ticket = await findPublicTicket(core, req.params.ticketNo ?? "", req.query.phone4);
  return {
    statusCode: 200,
    headers: { "cache-control": "no-store" },
    body: publicTicketView(ticket, core.config),
  };
};

export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
