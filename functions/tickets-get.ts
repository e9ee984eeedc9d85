import { NotFoundError } from "../shared/domain/errors.js";
import { assertCanRead } from "../shared/services/actions.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { ticketView } from "./lib/views.js";

/** GET /v1/tickets/{id} — operators, dispatchers, or the department the ticket is (or was) assigned to. */
export const route: Route = async (req, core) => {
  const id = req.params.id ?? "";
  const ticket = id.length <= 100 ? await core.store.get(id) : null;
  if (!ticket) throw new NotFoundError(`工单 ${id.slice(0, 100)}`);
  assertCanRead(ticket, req.actor);
  return { statusCode: 200, body: ticketView(ticket, req.actor) };
};

export const roles = ["operator", "dispatcher", "department"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
