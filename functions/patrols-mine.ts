import { myOpenItems } from "../shared/channels/grid/patrol.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/** GET /v1/patrols/mine — the grid worker's own open items with their status and last progress. */
export const route: Route = async (req, core) => ({
  statusCode: 200,
  body: { items: await myOpenItems(core, req.actor) },
});

export const roles = ["grid-worker"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
