import { httpHandler, type Route } from "./lib/http.js";
import { open311GetItem } from "./lib/open311.js";
import { fromEnvironment } from "./lib/runtime.js";

/** GET /open311/v2/{services,requests,tokens}/{id}.{xml,json} — public, rate-limited. */
export const route: Route = open311GetItem;

export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
