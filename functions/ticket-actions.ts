import { ValidationError } from "../shared/domain/errors.js";
import { applyAction } from "../shared/services/actions.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { ticketView } from "./lib/views.js";

/**
 * POST /v1/tickets/{id}/actions — departments: accept 签收, progress, resolve, return 退单;
 * dispatchers: assign, verify 核查, reject, merge; operators and dispatchers: reopen 重办. Closure loop:
 * departments extend 延期, dispatchers approve-extension / refuse-extension, the reporter confirm (through their
 * channel's gateway, or a hotline operator who phoned them).
 */
export const route: Route = async (req, core) => {
  if (req.body === undefined) throw new ValidationError("缺少请求体 / request body is required", "(body)");
  // Rating links (回访) point at this API unless the deployment names a public base URL.
  const host = req.headers.host;
  const c = core.publicBaseUrl || !host ? core : { ...core, publicBaseUrl: `https://${host}` };
  const ticket = await applyAction(c, req.params.id ?? "", req.body, req.actor);
  return { statusCode: 200, body: ticketView(ticket, req.actor) };
};

// Channel gateways: `confirm` only (the reporter's own verification, 核查 by the reporter).
// Grid workers: accept, progress, resolve, extend, hand-up on the small matters their grid cell handles.
export const roles = ["department", "dispatcher", "operator", "channel", "grid-worker"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
