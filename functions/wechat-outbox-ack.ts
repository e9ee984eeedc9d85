import * as z from "zod/mini";
import { ackOutbox } from "../shared/channels/wechat/outbox.js";
import { fromZodIssues, ValidationError } from "../shared/domain/errors.js";
import "../shared/zod.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { assertWechatGateway } from "./lib/wechat-gateway.js";

const Body = /* @__PURE__ */ (() =>
  z.object({
    leases: z
      .array(z.string().check(z.minLength(1), z.maxLength(2000)))
      .check(z.minLength(1), z.maxLength(10)),
  }))();

/** POST /v1/channels/wechat/outbox/ack — the bot confirms it sent these outbox messages. */
export const route: Route = async (req, core) => {
  assertWechatGateway(req.actor);
  if (req.body === undefined) throw new ValidationError("缺少请求体 / request body is required", "(body)");
  const parsed = Body.safeParse(req.body);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  await ackOutbox(core, parsed.data.leases);
  return { statusCode: 204 };
};

export const roles = ["channel"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
