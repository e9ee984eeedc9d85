import type { Ticket } from "../../domain/ticket.js";
import type { Logger } from "../../log.js";
import type { Notification } from "../../notify/notification.js";
import { statusText } from "../../notify/notification.js";
import type { NotificationSender, Queue } from "../../ports.js";
import { UNREACHABLE, type WechatApi, WechatApiError, WINDOW_CLOSED } from "./api-client.js";
import { putOutbox } from "./outbox.js";
import { BOT_PREFIX, OA_PREFIX } from "./service.js";

/**
 * The `wechat` notification sender: the reporter's channelUserId says the transport. Bot contacts (`bot:`) get
 * the message through the bot's outbox; Official Account users (`oa:`) through the customer-service API, or a
 * template message once the 48-hour window has closed (45015). Throws to be retried on any other failure.
 */
export function createWechatSender(opts: {
  queue: Queue;
  api: WechatApi | null;
  templateId?: string;
  log: Logger;
}): NotificationSender {
  return {
    async deliver(ticket: Ticket, n: Notification) {
      const user = ticket.reporter.channelUserId;
      if (user?.startsWith(BOT_PREFIX)) {
        await putOutbox(opts.queue, user.slice(BOT_PREFIX.length), n);
        return "sent";
      }
      if (!user?.startsWith(OA_PREFIX)) return "skipped";
      if (!opts.api) {
        opts.log.log("warn", "no WeChat API credentials: Official Account message skipped", {
          ticketId: ticket.id,
        });
        return "skipped";
      }
      const openId = user.slice(OA_PREFIX.length);
      try {
        await opts.api.sendText(openId, n.text);
        return "sent";
      } catch (err) {
        if (!(err instanceof WechatApiError)) throw err;
        if (UNREACHABLE.has(err.errcode)) return "skipped";
        if (err.errcode !== WINDOW_CLOSED) throw err;
      }
      if (!opts.templateId) {
        opts.log.log("warn", "48-hour window closed and no template configured", { ticketId: ticket.id });
        return "skipped";
      }
      try {
        await opts.api.sendTemplate(openId, opts.templateId, {
          first: n.text.slice(0, 200),
          keyword1: ticket.ticketNo,
          keyword2: statusText(ticket.status),
        });
        return "sent";
      } catch (err) {
        if (err instanceof WechatApiError && UNREACHABLE.has(err.errcode)) return "skipped";
        throw err;
      }
    },
  };
}
