import type { FileBoxInterface } from "file-box";
import type { Message, Wechaty, WechatyOptions } from "wechaty";
import { WechatyBuilder } from "wechaty";
import { errorFields, type Logger, silentLogger } from "../../log.js";
import type { IncomingMessage } from "./conversation.js";
import { apiPhotoStore, MAX_PHOTO_BYTES, type PhotoStore } from "./photos.js";

/**
 * The WeChat bot (`npm run bot`): a thin relay with no state of its own. Each resident message goes to the
 * intake API (`POST /v1/channels/wechat/messages`, a `channel:wechat` key), where the conversation runs; the
 * replies it answers are sent back. Progress messages for its contacts are long-polled from the API's outbox
 * (`GET /v1/channels/wechat/outbox`) and acknowledged once sent.
 */
export interface WechatBotOptions {
  /** A puppet instance or a puppet package name (default wechaty-puppet-mock). */
  puppet?: WechatyOptions["puppet"];
  /** Options for a puppet named by package (e.g. `{ token }` for wechaty-puppet-service). */
  puppetOptions?: Record<string, unknown>;
  /** The intake API, e.g. http://127.0.0.1:3000 or the deployed HTTP API's URL. */
  apiBaseUrl: string;
  /** A key of role `channel` bound to `wechat`. */
  apiKey: string;
  /** Where photos go (default: the intake API's upload path, apiPhotoStore). */
  photos?: PhotoStore;
  /** Long-poll wait of the outbox, seconds (default 10; tests use less). */
  outboxWaitSeconds?: number;
  log?: Logger;
  fetch?: typeof fetch;
}

/** Message types of wechaty-puppet (numeric enum), named here to avoid importing the enum at run time. */
const TYPE = { Text: 7, Image: 6, Location: 8, Emoticon: 5 } as const;

export type WechatBot = Wechaty;

export function createWechatBot(opts: WechatBotOptions): WechatBot {
  const log = opts.log ?? silentLogger;
  const doFetch = opts.fetch ?? fetch;
  const base = opts.apiBaseUrl.replace(/\/+$/, "");
  const photos = opts.photos ?? apiPhotoStore({ apiBaseUrl: base, apiKey: opts.apiKey, fetch: doFetch });
  const bot = WechatyBuilder.build({
    name: "intake-wechat-bot",
    puppet: opts.puppet ?? "wechaty-puppet-mock",
    ...(opts.puppetOptions ? { puppetOptions: opts.puppetOptions } : {}),
  } as WechatyOptions);

  async function api(method: string, path: string, body?: unknown, signal?: AbortSignal) {
    // The API is idempotent on the message id: retrying a relay after a timeout or a 5xx is safe.
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await doFetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${opts.apiKey}`,
            ...(body !== undefined ? { "content-type": "application/json" } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: signal ?? AbortSignal.timeout(30_000),
        });
        if (res.status >= 500 || res.status === 429) throw new Error(`intake API ${res.status}`);
        const text = await res.text();
        if (res.status >= 400)
          throw Object.assign(new Error(`intake API ${res.status}: ${text}`), { final: true });
        return text ? (JSON.parse(text) as unknown) : undefined;
      } catch (err) {
        if ((err as { final?: boolean }).final || signal?.aborted || attempt >= 3) throw err;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  async function toIncoming(msg: Message): Promise<IncomingMessage> {
    switch (msg.type() as number) {
      case TYPE.Text:
        return { kind: "text", text: msg.text().slice(0, 5000) };
      case TYPE.Location: {
        // msg.toLocation() is broken in wechaty 1.20: read the location through the puppet.
        const loc = await bot.puppet.messageLocation(msg.id);
        return {
          kind: "location",
          lat: loc.latitude,
          lng: loc.longitude,
          label: (loc.name || loc.address || "").slice(0, 500),
        };
      }
      case TYPE.Image: {
        // toFileBox() gives the picture itself (toImage().hd() is a placeholder on some puppets).
        const box: FileBoxInterface = await msg.toFileBox();
        const data = await box.toBuffer();
        if (data.byteLength > MAX_PHOTO_BYTES) return { kind: "other" };
        try {
          return { kind: "image", ref: await photos.save(box.name, data) };
        } catch (err) {
          // The report goes on without it; the resident is told the message was not understood.
          log.log("warn", "photo not kept", errorFields(err));
          return { kind: "other" };
        }
      }
      default:
        return { kind: "other" };
    }
  }

  bot.on("message", async (msg: Message) => {
    // The mock echoes the bot's own replies; group chats are not a reporting channel.
    if (msg.self() || msg.room()) return;
    const talker = msg.talker();
    try {
      const message = await toIncoming(msg);
      const out = (await api("POST", "/v1/channels/wechat/messages", {
        userId: talker.id,
        messageId: msg.id,
        message,
      })) as { replies: string[] };
      for (const reply of out.replies) await talker.say(reply);
    } catch (err) {
      log.log("warn", "wechat message not relayed", errorFields(err));
    }
  });

  // The outbox poller runs while the bot is logged in.
  let poller: { stop(): Promise<void> } | null = null;
  const sent = new Set<string>();
  const startPoller = () => {
    if (poller) return;
    // Stopping lets the poll in flight finish and sends what it brought: a long poll cut short on the client
    // still takes its messages on the server, and they would stay hidden for the queue's visibility timeout.
    // `abort` ends it only when it outlives its wait by far (the API gone).
    let stopping = false;
    const abort = new AbortController();
    const wait = opts.outboxWaitSeconds ?? 10;
    const loop = (async () => {
      while (!stopping && !abort.signal.aborted) {
        try {
          const out = (await api(
            "GET",
            `/v1/channels/wechat/outbox?wait=${wait}`,
            undefined,
            AbortSignal.any([abort.signal, AbortSignal.timeout((wait + 10) * 1000)]),
          )) as {
            messages: { id: string; contactId: string; text: string; lease: string }[];
          };
          const done: string[] = [];
          for (const m of out.messages) {
            if (!sent.has(m.id)) {
              const contact = await bot.Contact.find({ id: m.contactId });
              if (!contact) {
                // Not acknowledged: it comes back after the visibility timeout, and is dead-lettered in the end.
                log.log("warn", "outbox message for a contact not found (yet)", {});
                continue;
              }
              await contact.say(m.text);
              sent.add(m.id);
              if (sent.size > 5000) sent.clear();
            }
            done.push(m.lease);
          }
          if (done.length)
            await api("POST", "/v1/channels/wechat/outbox/ack", { leases: done }, abort.signal);
        } catch (err) {
          if (stopping || abort.signal.aborted) break;
          log.log("warn", "outbox poll failed", errorFields(err));
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    })();
    poller = {
      stop: async () => {
        stopping = true;
        const cut = setTimeout(() => abort.abort(), (wait + 5) * 1000);
        await loop;
        clearTimeout(cut);
      },
    };
  };
  const stopPoller = async () => {
    const p = poller;
    poller = null;
    await p?.stop();
  };
  bot.on("login", () => startPoller());
  bot.on("logout", () => void stopPoller());
  // stop() ends the poller before the puppet goes away.
  const stop = bot.stop.bind(bot);
  bot.stop = async () => {
    await stopPoller();
    await stop();
  };
  return bot;
}
