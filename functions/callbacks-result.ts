import { recordCallbackResult } from "../shared/closure/callbacks.js";
import { ValidationError } from "../shared/domain/errors.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * POST /v1/callbacks/{id}/result {reached, rating?, comment?} — an operator's phone call back (回访): reached
 * with a rating 1–5 (1–2 reopens the ticket 重办), or not reached (after the configured attempts: closed unrated).
 */
export const route: Route = async (req, core) => {
  if (req.body === undefined) throw new ValidationError("缺少请求体 / request body is required", "(body)");
  const id = (req.params.id ?? "").slice(0, 100);
  const out = await recordCallbackResult(core, id, req.body, req.actor);
  const { linkHash: _l, channelUserId: _u, version: _v, ...callback } = out.callback;
  return { statusCode: 200, body: { outcome: out.outcome, callback, ticketStatus: out.ticket.status } };
};

export const roles = ["operator"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
