import { httpHandler, type Route } from "./lib/http.js";
import { open311Get } from "./lib/open311.js";
import { fromEnvironment } from "./lib/runtime.js";

/** GET /open311/v2/{discovery,services,requests,servicerequestupdates}.{xml,json} — public, rate-limited. */
export const route: Route = open311Get;

export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
