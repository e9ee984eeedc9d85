import { rateByToken } from "../shared/closure/callbacks.js";
import { ValidationError } from "../shared/domain/errors.js";
import { httpHandler, type Route, type RouteOptions } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * POST /v1/public/ratings/{token} {rating 1–5, comment?} — public: the resident's rating through their link. One
 * rating per link (a second answer is 409); a link rates only its own ticket.
 */
export const route: Route = async (req, core) => {
  if (req.body === undefined) throw new ValidationError("缺少请求体 / request body is required", "(body)");
  const out = await rateByToken(core, (req.params.token ?? "").slice(0, 200), req.body);
  return { statusCode: 200, headers: { "cache-control": "no-store" }, body: out };
};

export const roles = "public" as const;

export const options: RouteOptions = { maxBodyBytes: 8 * 1024 };

export const handler = httpHandler(route, roles, fromEnvironment, options);
