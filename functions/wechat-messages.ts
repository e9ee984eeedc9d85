import * as z from "zod/mini";
import { IncomingMessage } from "../shared/channels/wechat/conversation.js";
import { BOT_PREFIX, handleWechatMessage } from "../shared/channels/wechat/service.js";
import { fromZodIssues, ValidationError } from "../shared/domain/errors.js";
import "../shared/zod.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { assertWechatGateway } from "./lib/wechat-gateway.js";

const Body = /* @__PURE__ */ (() =>
  z.object({
    /** The bot's contact id of the resident. */
    userId: z.string().check(z.trim(), z.minLength(1), z.maxLength(150)),
    /** The platform's message id: the idempotency key of the step and of any ticket it files. */
    messageId: z.string().check(z.trim(), z.minLength(1), z.maxLength(150)),
    message: IncomingMessage,
  }))();

/**
 * POST /v1/channels/wechat/messages — the WeChat bot relays one resident message; the conversation runs here
 * and the answer carries the replies to send back. A redelivered message id gets the same replies again.
 */
export const route: Route = async (req, core) => {
  assertWechatGateway(req.actor);
  if (req.body === undefined) throw new ValidationError("缺少请求体 / request body is required", "(body)");
  const parsed = Body.safeParse(req.body);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  const { userId, messageId, message } = parsed.data;
  const result = await handleWechatMessage(
    core,
    { channelUserId: `${BOT_PREFIX}${userId}`, messageId: `bot:${messageId}`, message },
    req.actor,
  );
  return { statusCode: 200, body: result };
};

export const roles = ["channel"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
