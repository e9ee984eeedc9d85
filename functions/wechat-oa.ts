import { handleOaPost } from "../shared/channels/wechat/oa.js";
import { OA_MAX_BODY_BYTES } from "../shared/channels/wechat/oa-xml.js";
import { ValidationError } from "../shared/domain/errors.js";
import { httpHandler, type Route, type RouteOptions } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * POST /v1/channels/wechat-oa — the Official Account's message callback (plain or encrypted XML). Answers a
 * passive reply within WeChat's 5 s, or "success". Signed by WeChat's servers (no API key).
 */
export const route: Route = async (req, core) => {
  if (typeof req.body !== "string" || !req.body)
    throw new ValidationError("缺少 XML 请求体 / XML body is required", "(body)");
  const text = await handleOaPost(core, req.query, req.body);
  return {
    statusCode: 200,
    headers: {
      "content-type": text === "success" ? "text/plain; charset=utf-8" : "application/xml; charset=utf-8",
    },
    text,
  };
};

export const roles = "public" as const;

// Twice the XML limit at the HTTP layer, so that oversized XML gets the parser's 400 (beyond it: 413).
export const options: RouteOptions = { body: "text", maxBodyBytes: 2 * OA_MAX_BODY_BYTES };

export const handler = httpHandler(route, roles, fromEnvironment, options);
