import { dailyPatrols } from "../shared/channels/grid/patrol.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/** GET /v1/patrols/daily?date=YYYY-MM-DD — per grid cell: reported / zero-reported / silent that city day. */
export const route: Route = async (req, core) => ({
  statusCode: 200,
  body: await dailyPatrols(core, req.query.date),
});

export const roles = ["dispatcher"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
