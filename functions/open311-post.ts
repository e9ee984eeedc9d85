import { httpHandler, type Route, type RouteOptions } from "./lib/http.js";
import { open311Post } from "./lib/open311.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * POST /open311/v2/requests.{xml,json} — a client application files a service request (form-encoded, its
 * `api_key` in the body: a channel key bound to open311). The key is checked here, not by API Gateway.
 */
export const route: Route = open311Post;

export const roles = "public" as const;

export const options: RouteOptions = { body: "text", maxBodyBytes: 64 * 1024 };

export const handler = httpHandler(route, roles, fromEnvironment, options);
