import * as z from "zod/mini";
import type { Notification } from "../../notify/notification.js";
import { type Queue, WECHAT_BOT_OUTBOX } from "../../ports.js";
import type { Core } from "../../services/context.js";
import "../../zod.js";

/**
 * The WeChat bot's outbox: the bot holds the connection to WeChat, so progress messages for its contacts wait
 * on a queue of their own until the bot long-polls them through the API with its channel key.
 */
export const OutboxMessage = /* @__PURE__ */ (() =>
  z.object({
    id: z.string().check(z.minLength(1), z.maxLength(300)),
    contactId: z.string().check(z.minLength(1), z.maxLength(150)),
    text: z.string().check(z.minLength(1), z.maxLength(1000)),
  }))();

export type OutboxMessage = z.infer<typeof OutboxMessage>;

export async function putOutbox(queue: Queue, contactId: string, n: Notification): Promise<void> {
  await queue.send(WECHAT_BOT_OUTBOX, { id: n.id, contactId, text: n.text });
}

export async function pollOutbox(core: Core, opts: { waitSeconds: number; max: number }) {
  const received = await core.queue.receive(WECHAT_BOT_OUTBOX, {
    max: opts.max,
    waitSeconds: opts.waitSeconds,
  });
  const out: (OutboxMessage & { lease: string })[] = [];
  for (const r of received) {
    const parsed = OutboxMessage.safeParse(r.message);
    if (parsed.success) out.push({ ...parsed.data, lease: r.lease });
    else {
      core.log.log("warn", "unreadable bot outbox message dropped", {});
      await core.queue.delete(WECHAT_BOT_OUTBOX, r.lease);
    }
  }
  return out;
}

export async function ackOutbox(core: Core, leases: readonly string[]): Promise<void> {
  for (const lease of leases) await core.queue.delete(WECHAT_BOT_OUTBOX, lease);
}
