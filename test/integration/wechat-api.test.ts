import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallbackAnswer, ChannelCallbacks } from "../../shared/ports.js";
import { startTestSystem, type TestSystem } from "../support/system.js";
import { TICKET_NO } from "../support/wechat.js";

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem("wechat-api");
});
afterAll(async () => {
  await system?.stop();
});

let n = 0;
const relay = (userId: string, text: string, messageId = `m-${n++}`, key = system.keys["channel:wechat"]) =>
  system.call("POST", "/v1/channels/wechat/messages", {
    key,
    body: { userId, messageId, message: { kind: "text", text } },
  });

describe("POST /v1/channels/wechat/messages (the bot's relay)", () => {
  it("only a wechat channel key may relay: other roles 403, no key 401", async () => {
    expect((await relay("u-roles", "帮助", "r1", system.keys.operator)).status).toBe(403);
    expect((await relay("u-roles", "帮助", "r2", system.keys["channel:web"])).status).toBe(403);
    expect((await relay("u-roles", "帮助", "r3", system.keys["grid-worker"])).status).toBe(403);
    const none = await system.call("POST", "/v1/channels/wechat/messages", {
      body: { userId: "u", messageId: "x", message: { kind: "text", text: "帮助" } },
    });
    expect(none.status).toBe(401);
    expect((await relay("u-roles", "帮助", "r4")).status).toBe(200);
    for (const [path, method] of [
      ["/v1/channels/wechat/outbox", "GET"],
      ["/v1/channels/wechat/outbox/ack", "POST"],
    ] as const) {
      const res = await system.call(method, path, {
        key: system.keys.operator,
        ...(method === "POST" ? { body: { leases: ["x"] } } : {}),
      });
      expect(res.status).toBe(403);
    }
  });

  it("names the bad field in Chinese and English", async () => {
    const res = await system.call("POST", "/v1/channels/wechat/messages", {
      key: system.keys["channel:wechat"],
      body: { userId: "u", messageId: "x", message: { kind: "fax" } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("message.kind");
  });

  it("concurrent deliveries of one confirmation file once and advance once", async () => {
    const user = "u-concurrent";
    await relay(user, "东城区新华街道人民路9号垃圾好几天没人清运");
    const results = await Promise.all(Array.from({ length: 5 }, () => relay(user, "1", "confirm-1")));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const numbers = new Set(results.map((r) => TICKET_NO.exec(r.body.replies.join(""))?.[0]));
    expect(numbers.size).toBe(1);
    expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    const tickets = await system.runtime.core.store.listByChannelUser("wechat", `bot:${user}`, 10);
    expect(tickets).toHaveLength(1);
    const conv = await system.runtime.core.conversations!.get(`bot:${user}`);
    expect(conv!.version).toBe(2);
  });

  it("concurrent different messages are each applied once, in some order", async () => {
    const user = "u-race";
    const results = await Promise.all([
      relay(user, "路灯坏了晚上很黑", "a"),
      relay(user, "我的工单", "b"),
      relay(user, "帮助", "c"),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const conv = await system.runtime.core.conversations!.get(`bot:${user}`);
    expect(conv!.version).toBe(3);
    expect(conv!.handled.map(([id]) => id).sort()).toEqual(["bot:a", "bot:b", "bot:c"]);
  });

  it("rating words answer the open callback through core.callbacks", async () => {
    const answers: { channel: string; user: string; answer: CallbackAnswer }[] = [];
    const callbacks: ChannelCallbacks = {
      answer: async (channel, user, answer) => {
        answers.push({ channel, user, answer });
        return { ticketNo: "20261201-000042", outcome: answer.rating === 1 ? "reopened" : "satisfied" };
      },
    };
    system.runtime.core.callbacks = callbacks;
    try {
      expect((await relay("u-rate", "满意")).body.replies[0]).toContain("20261201-000042");
      expect((await relay("u-rate", "不满意 还是很吵")).body.replies[0]).toContain("重新交办");
      expect(answers).toEqual([
        { channel: "wechat", user: "bot:u-rate", answer: { rating: 5 } },
        { channel: "wechat", user: "bot:u-rate", answer: { rating: 1, comment: "还是很吵" } },
      ]);
    } finally {
      system.runtime.core.callbacks = null;
    }
  });
});
