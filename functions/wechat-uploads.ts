import { requestUpload } from "../shared/channels/web/uploads.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { assertWechatGateway } from "./lib/wechat-gateway.js";

/**
 * POST /v1/channels/wechat/uploads `{contentType, size}` — the WeChat bot keeps a resident's photo: the same
 * type and size checks and presigned PUT as the web form's uploads (S3 in AWS, the local folder locally), for
 * the wechat channel's key instead of a per-address rate limit.
 */
export const route: Route = async (req, core) => {
  assertWechatGateway(req.actor);
  return { statusCode: 201, body: await requestUpload(core, req.body) };
};

export const roles = ["channel"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
