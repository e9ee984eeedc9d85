import { pollOutbox } from "../shared/channels/wechat/outbox.js";
import { httpHandler, queryInt, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { assertWechatGateway } from "./lib/wechat-gateway.js";

/**
 * GET /v1/channels/wechat/outbox?wait=0–20 — the WeChat bot long-polls the progress messages for its contacts;
 * each comes with a lease to acknowledge (POST …/outbox/ack) once sent. Unacknowledged ones come back later.
 */
export const route: Route = async (req, core) => {
  assertWechatGateway(req.actor);
  const wait = queryInt(req.query, "wait", 0, 0, 20);
  const max = queryInt(req.query, "max", 10, 1, 10);
  return { statusCode: 200, body: { messages: await pollOutbox(core, { waitSeconds: wait, max }) } };
};

export const roles = ["channel"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
