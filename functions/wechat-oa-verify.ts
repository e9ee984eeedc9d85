import { verifyOaUrl } from "../shared/channels/wechat/oa.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/** GET /v1/channels/wechat-oa — the Official Account's URL verification: echoes `echostr` when signed right. */
export const route: Route = async (req, core) => ({
  statusCode: 200,
  headers: { "content-type": "text/plain; charset=utf-8" },
  text: verifyOaUrl(core, req.query),
});

/** Public: WeChat's servers authenticate with the signature over the shared token. */
export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
