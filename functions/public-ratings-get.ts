import { ratingView } from "../shared/closure/callbacks.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * GET /v1/public/ratings/{token} — public: what a rating link shows (ticket number, title, the department's
 * result, whether it was rated). A forged, unknown or expired link is a 404. No personal data.
 */
export const route: Route = async (req, core) => ({
  statusCode: 200,
  headers: { "cache-control": "no-store" },
  body: await ratingView(core, (req.params.token ?? "").slice(0, 200)),
});

export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
