import { describe, expect, it } from "vitest";
import {
  type ConversationState,
  EMPTY_STATE,
  type IncomingMessage,
  replyMine,
  replyQuery,
  replyRated,
  step,
} from "../../../../shared/channels/wechat/conversation.js";
import type { Ticket } from "../../../../shared/domain/ticket.js";

const USER = "bot:wxid_resident";
const text = (t: string): IncomingMessage => ({ kind: "text", text: t });

function run(messages: IncomingMessage[], from: ConversationState = EMPTY_STATE) {
  let state = from;
  const out = [];
  for (const m of messages) {
    const s = step(state, m, USER);
    out.push(s);
    state = s.state;
  }
  return { state, steps: out, last: out.at(-1)! };
}

describe("conversation engine", () => {
  it("asks where, then shows a summary and files only on 1 / 确认", () => {
    const { steps, last } = run([text("路灯坏了晚上很黑"), text("人民路口"), text("确认")]);
    expect(steps[0]!.state.step).toBe("where");
    expect(steps[1]!.replies[0]).toContain("请确认");
    expect(steps[1]!.effect).toBeUndefined();
    expect(last.effect).toMatchObject({
      type: "file",
      input: {
        title: "路灯坏了晚上很黑",
        location: { address: "人民路口" },
        reporter: { channelUserId: USER },
      },
    });
    expect(last.state).toEqual(EMPTY_STATE);
    expect(run([text("路灯坏了晚上很黑"), text("人民路口"), text("1")]).last.effect?.type).toBe("file");
  });

  it("skips the where question when the text names a place, never the confirmation", () => {
    const s = step(EMPTY_STATE, text("东城区人民路88号井盖丢了"), USER);
    expect(s.state.step).toBe("confirm");
    expect(s.effect).toBeUndefined();
  });

  it("0 and 取消 abandon a draft; 1 outside a confirmation files nothing", () => {
    for (const cancel of ["0", "取消"]) {
      const { last } = run([text("东城区人民路88号井盖丢了"), text(cancel)]);
      expect(last.state).toEqual(EMPTY_STATE);
      expect(last.effect).toBeUndefined();
      expect(last.replies[0]).toContain("已取消");
    }
    expect(step(EMPTY_STATE, text("1"), USER).effect).toBeUndefined();
  });

  it("rates only with the rating words: 满意 5, 基本满意 3, 不满意 1 with a comment", () => {
    expect(step(EMPTY_STATE, text("满意"), USER).effect).toEqual({ type: "rate", rating: 5 });
    expect(step(EMPTY_STATE, text("基本满意"), USER).effect).toEqual({ type: "rate", rating: 3 });
    expect(step(EMPTY_STATE, text("不满意，还是有臭味"), USER).effect).toEqual({
      type: "rate",
      rating: 1,
      comment: "还是有臭味",
    });
    // A report that begins with the word is a report, not a rating.
    expect(step(EMPTY_STATE, text("不满意物业的停车收费太乱"), USER).effect).toBeUndefined();
  });

  it("answers nonsense, emoji codes, stickers and empty text with help and keeps no draft", () => {
    for (const m of [text("？？"), text("哈哈哈哈"), text("[微笑]"), text(""), { kind: "other" } as const]) {
      const s = step(EMPTY_STATE, m, USER);
      expect(s.state).toEqual(EMPTY_STATE);
      expect(s.effect).toBeUndefined();
      expect(s.replies.join("")).toContain("反映问题");
    }
  });

  it("collects photos and a shared location into the draft", () => {
    const { last } = run([
      { kind: "image", ref: "local-photo:a.jpg" },
      text("垃圾堆了好几天没有清运"),
      { kind: "location", lat: 39.9, lng: 116.4, label: "人民路88号" },
      text("确认"),
    ]);
    expect(last.effect).toMatchObject({
      type: "file",
      input: {
        attachments: [{ ref: "local-photo:a.jpg", kind: "photo" }],
        location: { address: "人民路88号", lat: 39.9, lng: 116.4 },
      },
    });
  });

  it("commands work at any step and keep the draft", () => {
    const draft = run([text("路灯坏了晚上很黑")]).state;
    expect(step(draft, text("查询 20261201-000123"), USER)).toMatchObject({
      state: draft,
      effect: { type: "query", ticketNo: "20261201-000123" },
    });
    expect(step(draft, text("我的工单"), USER).effect).toEqual({ type: "mine" });
    expect(step(draft, text("帮助"), USER).state).toEqual(draft);
  });

  it("formats replies without internal ids", () => {
    const ticket = {
      id: "0b7c-internal",
      ticketNo: "20261201-000123",
      title: "路灯坏了",
      status: "accepted",
      history: [
        {
          seq: 1,
          at: "2026-12-01T01:00:00.000Z",
          actor: "d",
          role: "department",
          type: "accept",
          from: "dispatched",
          to: "accepted",
          note: "已安排维修",
        },
      ],
    } as unknown as Ticket;
    const q = replyQuery("20261201-000123", ticket);
    expect(q).toContain("办理中");
    expect(q).toContain("已安排维修");
    expect(q).not.toContain("0b7c-internal");
    expect(replyQuery("20261201-000999", null)).toContain("没有找到");
    expect(replyMine([ticket])).toContain("20261201-000123 办理中 路灯坏了");
    expect(replyRated(null)).toContain("没有需要您评价");
  });
});
