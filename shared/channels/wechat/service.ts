import { DomainError } from "../../domain/errors.js";
import type { Actor } from "../../domain/lifecycle.js";
import type { Core } from "../../services/context.js";
import { createTicket } from "../../services/intake.js";
import {
  ConversationState,
  EMPTY_STATE,
  type IncomingMessage,
  replyFiled,
  replyFileFailed,
  replyMine,
  replyQuery,
  replyRated,
  step,
} from "./conversation.js";

/** An abandoned draft is forgotten this many days after the resident's last message. */
export const CONVERSATION_TTL_DAYS = 3;
/** How many handled platform message ids a conversation remembers (WeChat redelivers within seconds). */
export const HANDLED_KEPT = 20;

/** How a transport names a resident: the prefix says which transport reaches them again. */
export const BOT_PREFIX = "bot:";
export const OA_PREFIX = "oa:";

export interface HandledMessage {
  replies: string[];
  /** True when this platform message was handled before: the stored replies are returned, nothing changes. */
  duplicate: boolean;
}

/**
 * Handles one platform message of a resident: loads the conversation, runs one engine step, performs its
 * effect (filing through createTicket with the platform message id as idempotency key) and writes the
 * conversation back only if no other delivery moved it on (version condition). A redelivered message finds its
 * id among the handled ones and gets the same replies; a lost race starts over from the stored state.
 */
export async function handleWechatMessage(
  core: Core,
  input: { channelUserId: string; messageId: string; message: IncomingMessage },
  actor: Actor,
): Promise<HandledMessage> {
  const store = core.conversations;
  if (!store) throw new Error("no conversation store configured");
  const { channelUserId, messageId } = input;
  for (let attempt = 0; attempt < 5; attempt++) {
    const record = await store.get(channelUserId);
    const seen = record?.handled.find(([id]) => id === messageId);
    if (seen) return { replies: seen[1], duplicate: true };
    const parsed = ConversationState.safeParse(record?.state);
    const state = parsed.success ? parsed.data : EMPTY_STATE;
    const next = step(state, input.message, channelUserId);
    let replies = next.replies;
    let nextState = next.state;
    const effect = next.effect;
    if (effect?.type === "file") {
      try {
        const { ticket } = await createTicket(core, effect.input, {
          channel: "wechat",
          actor,
          idempotencyKey: messageId,
        });
        replies = [replyFiled(ticket.ticketNo)];
      } catch (err) {
        if (!(err instanceof DomainError)) throw err; // the transport retries; nothing was advanced
        core.log.log("warn", "wechat draft not filed", { code: err.code, field: err.field });
        replies = [replyFileFailed()];
        nextState = state;
      }
    } else if (effect?.type === "query") {
      const own = await core.store.listByChannelUser("wechat", channelUserId, 100);
      replies = [replyQuery(effect.ticketNo, own.find((t) => t.ticketNo === effect.ticketNo) ?? null)];
    } else if (effect?.type === "mine") {
      replies = [replyMine(await core.store.listByChannelUser("wechat", channelUserId, 5))];
    } else if (effect?.type === "rate") {
      const result =
        (await core.callbacks?.answer(
          "wechat",
          channelUserId,
          { rating: effect.rating, ...(effect.comment ? { comment: effect.comment } : {}) },
          actor,
        )) ?? null;
      replies = [replyRated(result)];
    }
    const handled = [...(record?.handled ?? []), [messageId, replies] as [string, string[]]].slice(
      -HANDLED_KEPT,
    );
    const written = await store.put(
      channelUserId,
      { state: nextState, handled, version: (record?.version ?? 0) + 1 },
      CONVERSATION_TTL_DAYS,
    );
    if (written) {
      core.log.log("info", "wechat message handled", {
        step: nextState.step,
        effect: effect?.type ?? null,
        transport: channelUserId.slice(0, channelUserId.indexOf(":") + 1),
      });
      return { replies, duplicate: false };
    }
  }
  throw new DomainError("conflict", "会话正忙，请稍后重试 / conversation busy; retry");
}
