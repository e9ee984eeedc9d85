import { ValidationError } from "../shared/domain/errors.js";
import { createTicket } from "../shared/services/intake.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { ticketView } from "./lib/views.js";

/** POST /v1/tickets — a hotline operator files a ticket. `Idempotency-Key` makes retries safe. */
export const route: Route = async (req, core) => {
  if (req.body === undefined) throw new ValidationError("缺少请求体 / request body is required", "(body)");
  const key = req.headers["idempotency-key"];
  const { ticket, created } = await createTicket(core, req.body, {
    channel: "hotline",
    actor: req.actor,
    ...(key !== undefined ? { idempotencyKey: key } : {}),
  });
  return {
    statusCode: created ? 201 : 200,
    headers: { location: `/v1/tickets/${ticket.id}` },
    body: ticketView(ticket, req.actor),
  };
};

export const roles = ["operator"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
