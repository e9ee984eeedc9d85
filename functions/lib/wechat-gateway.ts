import { ForbiddenError } from "../../shared/domain/errors.js";
import type { Actor } from "../../shared/domain/lifecycle.js";

/**
 * The WeChat bot's routes answer only its channel key. Its own module: importing it from wechat-messages.ts put
 * that whole function (its handler, the conversation, intake) into the bundles of the bot's other routes.
 */
export function assertWechatGateway(actor: Actor): void {
  if (actor.role !== "channel" || actor.channel !== "wechat") {
    throw new ForbiddenError("仅限微信渠道密钥 / only a wechat channel key may call this endpoint");
  }
}
