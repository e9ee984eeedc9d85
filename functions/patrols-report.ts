import { filePatrolReport } from "../shared/channels/grid/patrol.js";
import { ValidationError } from "../shared/domain/errors.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { ticketView } from "./lib/views.js";

/**
 * POST /v1/patrols/reports — a grid worker's patrol report in their own grid (channel `grid`);
 * `handledOnSite: true` with `result` files it closed at once (小事一格解决). `Idempotency-Key` makes retries safe.
 */
export const route: Route = async (req, core) => {
  if (req.body === undefined) throw new ValidationError("缺少请求体 / request body is required", "(body)");
  const { ticket, created } = await filePatrolReport(
    core,
    req.body,
    req.actor,
    req.headers["idempotency-key"],
  );
  return {
    statusCode: created ? 201 : 200,
    headers: { location: `/v1/tickets/${ticket.id}` },
    body: ticketView(ticket, req.actor),
  };
};

export const roles = ["grid-worker"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
