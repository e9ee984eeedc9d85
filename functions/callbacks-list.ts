import { listCallbacks } from "../shared/closure/callbacks.js";
import { ValidationError } from "../shared/domain/errors.js";
import { httpHandler, queryInt, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * GET /v1/callbacks?status=pending&limit=&cursor= — the operators' callback list (回访): hotline callers to phone
 * back after closure, soonest expiry first, each with the number to call (operators need it; nobody else sees it).
 */
export const route: Route = async (req, core) => {
  const status = req.query.status ?? "pending";
  if (status !== "pending")
    throw new ValidationError("status 只支持 pending / status must be pending", "status");
  const limit = queryInt(req.query, "limit", 50, 1, 100);
  const page = await listCallbacks(core, { limit, cursor: req.query.cursor || undefined });
  return { statusCode: 200, body: page };
};

export const roles = ["operator"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
