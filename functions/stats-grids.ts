import { gridStatistics } from "../shared/routing/stats.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * GET /v1/stats/grids?month=YYYY-MM — the month's statistics per grid (default: the current city month),
 * from the counters kept in the same transaction as the events (one query; docs/routing.md defines 退单率).
 */
export const route: Route = async (req, core) => ({
  statusCode: 200,
  body: await gridStatistics(core, req.query.month),
});

export const roles = ["dispatcher"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
