import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/** GET /health — liveness; answers once the runtime (configuration, clients) is initialised. */
export const route: Route = async (_req, core) => ({
  statusCode: 200,
  body: { status: "ok", city: core.config.city.id },
});

export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
