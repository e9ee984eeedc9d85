import { ValidationError } from "../shared/domain/errors.js";
import { applyAction } from "../shared/services/actions.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { ticketView } from "./lib/views.js";

/**
 * POST /v1/tickets/{id}/actions — departments: accept 签收, progress, resolve, return 退单;
 * dispatchers: assign, verify 核查, reject, merge; operators and dispatchers: reopen 重办.
 */
export const route: Route = async (req, core) => {
  if (req.body === undefined) throw new ValidationError("缺少请求体 / request body is required", "(body)");
  const ticket = await applyAction(core, req.params.id ?? "", req.body, req.actor);
  return { statusCode: 200, body: ticketView(ticket, req.actor) };
};

export const roles = ["department", "dispatcher", "operator"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
