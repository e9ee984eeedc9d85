import * as z from "zod/mini";
import type { CreateTicketInput, Ticket } from "../../domain/ticket.js";
import { publicProgress, statusText } from "../../notify/notification.js";
import "../../zod.js";

/**
 * The WeChat conversation engine (会话), shared by the bot and the Official Account: pure, no I/O. Given the
 * stored state and one incoming message it returns the new state, the replies, and at most one effect the caller
 * performs (file the draft, look tickets up, answer a callback) before formatting its outcome with `replyFor…`.
 */

export const DraftLocation = /* @__PURE__ */ (() =>
  z.object({
    address: z.string().check(z.minLength(1), z.maxLength(500)),
    lat: z.optional(z.number().check(z.gte(-90), z.lte(90))),
    lng: z.optional(z.number().check(z.gte(-180), z.lte(180))),
  }))();

export const ConversationState = /* @__PURE__ */ (() =>
  z.object({
    step: z.enum(["idle", "what", "where", "confirm"]),
    draft: z.object({
      what: z.optional(z.string().check(z.maxLength(5000))),
      where: z.optional(DraftLocation),
      photos: z._default(
        z.array(z.string().check(z.minLength(1), z.maxLength(1000))).check(z.maxLength(9)),
        [],
      ),
    }),
  }))();
export type ConversationState = z.infer<typeof ConversationState>;

export const EMPTY_STATE: ConversationState = { step: "idle", draft: { photos: [] } };

/** One incoming message, whatever the transport. */
export const IncomingMessage = /* @__PURE__ */ (() =>
  z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("text"), text: z.string().check(z.maxLength(5000)) }),
    z.object({
      kind: z.literal("location"),
      label: z.optional(z.string().check(z.maxLength(500))),
      lat: z.number().check(z.gte(-90), z.lte(90)),
      lng: z.number().check(z.gte(-180), z.lte(180)),
    }),
    z.object({ kind: z.literal("image"), ref: z.string().check(z.minLength(1), z.maxLength(1000)) }),
    z.object({
      kind: z.literal("event"),
      event: z.enum(["subscribe", "unsubscribe", "click"]),
      key: z.optional(z.string().check(z.maxLength(200))),
    }),
    /** Stickers, voice, files, links: nothing the engine can read. */
    z.object({ kind: z.literal("other") }),
  ]))();
export type IncomingMessage = z.infer<typeof IncomingMessage>;

export type Effect =
  | { type: "file"; input: CreateTicketInput }
  | { type: "query"; ticketNo: string }
  | { type: "mine" }
  | { type: "rate"; rating: 1 | 3 | 5; comment?: string };

export interface Step {
  state: ConversationState;
  replies: string[];
  effect?: Effect;
}

export const HELP =
  "您好，这里是 12345 市民热线。\n" +
  "· 反映问题：直接发送发生了什么和地点（可附照片、位置）\n" +
  "· 查询 工单号：查看办理进展\n" +
  "· 我的工单：查看您最近的工单\n" +
  "· 取消：放弃正在填写的反映";

const ASK_WHERE = "请告诉我问题发生的地点：发送详细地址（如“东城区人民路88号”），或发送位置。";
const ASK_WHAT = "已收到照片。请用文字说明发生了什么问题。";
const NOT_UNDERSTOOD = `抱歉，没有看懂您的消息。\n${HELP}`;
const CANCELLED = "已取消本次反映。如需反映问题，直接发送问题描述即可。";
const NOTHING_TO_CANCEL = "当前没有正在填写的反映。";

/** A ticket number as residents type it (full-width digits and dashes tolerated). */
const TICKET_NO = /^\d{8}-\d{6}$/;
/**
 * The text names a place: an administrative unit or a community (“新华街道”, “人民小区”), a house number
 * (“88号”) or a street with a number or a crossing (“人民路口”, “人民路与…”). Not “路灯” or “味道”.
 */
const PLACE_WORDS =
  /\p{Script=Han}(?:区|县|街道|镇|乡|社区|小区|村|大厦|广场|公园)|\d+\s*(?:号|弄|栋|幢|单元)|\p{Script=Han}(?:路|街|大道|巷)(?:口|\d|与|和)/u;
const RATING = /^(基本满意|不满意|满意)(?:[\s，,。.：:！!]+([\s\S]*))?$/;

function normalise(text: string): string {
  return text
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, " ")
    .trim();
}

/** Enough letters or Han characters to be a report (not "？？", "哈哈", an emoji or a sticker code). */
function meaningful(text: string): boolean {
  if (/^\[[^\]]{1,8}\]$/.test(text)) return false; // a WeChat emoji code such as [微笑]
  const letters = text.match(/[\p{Script=Han}A-Za-z]/gu) ?? [];
  if (letters.length < 4) return false;
  return !/^(.)\1+$/u.test(text.replace(/\s/g, ""));
}

function summary(state: ConversationState): string {
  const { what, where, photos } = state.draft;
  return [
    "请确认您反映的问题：",
    `问题：${clip(what ?? "", 120)}`,
    `地点：${where?.address ?? ""}`,
    ...(photos.length ? [`照片：${photos.length} 张`] : []),
    "回复 1 或“确认”提交；回复 0 或“取消”放弃。",
  ].join("\n");
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max).join("")}…` : text;
}

function afterWhere(state: ConversationState): Step {
  const next: ConversationState = { ...state, step: "confirm" };
  return { state: next, replies: [summary(next)] };
}

/** What the draft becomes once confirmed. */
export function draftInput(state: ConversationState, channelUserId: string): CreateTicketInput {
  const what = state.draft.what ?? "";
  const where = state.draft.where ?? { address: "未知地点" };
  const firstLine = what.split(/\n/)[0] ?? what;
  return {
    requestType: "complaint",
    title: clip(firstLine, 30),
    description: what,
    location: {
      address: where.address,
      ...(where.lat !== undefined ? { lat: where.lat } : {}),
      ...(where.lng !== undefined ? { lng: where.lng } : {}),
    },
    reporter: { channelUserId, anonymous: false },
    attachments: state.draft.photos.map((ref) => ({ ref, kind: "photo" as const })),
    urgency: "normal",
  };
}

function command(text: string): Step["effect"] | "help" | "cancel" | null {
  const t = text.replace(/\s+/g, " ");
  if (/^(帮助|help|\?|菜单)$/i.test(t)) return "help";
  if (t === "取消") return "cancel";
  if (t === "我的工单") return { type: "mine" };
  const q = /^查询\s*(\S+)?$/.exec(t);
  if (q) return { type: "query", ticketNo: q[1] ?? "" };
  const r = RATING.exec(t);
  if (r) {
    const rating = r[1] === "满意" ? 5 : r[1] === "基本满意" ? 3 : 1;
    const comment = r[2]?.trim();
    return { type: "rate", rating, ...(comment ? { comment: comment.slice(0, 500) } : {}) };
  }
  return null;
}

/** One step of the conversation. `channelUserId` goes into the draft's reporter. */
export function step(stateIn: ConversationState, message: IncomingMessage, channelUserId: string): Step {
  const state: ConversationState = { step: stateIn.step, draft: { ...stateIn.draft } };
  const drafting = state.step !== "idle";
  switch (message.kind) {
    case "event": {
      if (message.event === "subscribe") return { state, replies: [HELP] };
      if (message.event === "unsubscribe") return { state: EMPTY_STATE, replies: [] };
      const key = (message.key ?? "").toUpperCase();
      if (key === "MY_TICKETS") return { state, replies: [], effect: { type: "mine" } };
      return { state, replies: [key === "REPORT" ? ASK_REPORT : HELP] };
    }
    case "other":
      return { state, replies: [drafting ? `${reminder(state)}` : NOT_UNDERSTOOD] };
    case "image": {
      if (state.draft.photos.length >= 9) return { state, replies: ["最多可附 9 张照片。"] };
      state.draft.photos = [...state.draft.photos, message.ref];
      if (state.step === "idle") return { state: { ...state, step: "what" }, replies: [ASK_WHAT] };
      if (state.step === "confirm") return { state, replies: [summary(state)] };
      return { state, replies: [`已收到照片（${state.draft.photos.length} 张）。${reminder(state)}`] };
    }
    case "location": {
      const where = {
        address: clip(
          message.label?.trim() || `位置 ${message.lat.toFixed(5)},${message.lng.toFixed(5)}`,
          500,
        ),
        lat: message.lat,
        lng: message.lng,
      };
      state.draft.where = where;
      if (state.step === "idle" || state.step === "what") {
        return { state: { ...state, step: "what" }, replies: ["已收到位置。请用文字说明发生了什么问题。"] };
      }
      return afterWhere(state);
    }
    case "text":
      return textStep(state, normalise(message.text), channelUserId);
  }
}

const ASK_REPORT = "请直接发送您要反映的问题：发生了什么、在什么地方（可附照片、位置）。";

function reminder(state: ConversationState): string {
  if (state.step === "what") return "请用文字说明发生了什么问题。";
  if (state.step === "where") return ASK_WHERE;
  if (state.step === "confirm") return "请回复 1 或“确认”提交；回复 0 或“取消”放弃。";
  return HELP;
}

function textStep(state: ConversationState, text: string, channelUserId: string): Step {
  if (!text) return { state, replies: [state.step === "idle" ? NOT_UNDERSTOOD : reminder(state)] };
  const cmd = command(text);
  if (cmd === "help") return { state, replies: [HELP] };
  if (cmd === "cancel" || (state.step === "confirm" && text === "0")) {
    return { state: EMPTY_STATE, replies: [state.step === "idle" ? NOTHING_TO_CANCEL : CANCELLED] };
  }
  if (cmd) return { state, replies: [], effect: cmd };
  switch (state.step) {
    case "confirm":
      if (text === "1" || text === "确认") {
        return {
          state: EMPTY_STATE,
          replies: [],
          effect: { type: "file", input: draftInput(state, channelUserId) },
        };
      }
      return { state, replies: [reminder(state)] };
    case "where":
      if ([...text].length < 2) return { state, replies: [ASK_WHERE] };
      state.draft.where = { address: clip(text, 500) };
      return afterWhere(state);
    case "what":
    case "idle": {
      if (!meaningful(text))
        return { state, replies: [state.step === "idle" ? NOT_UNDERSTOOD : reminder(state)] };
      state.draft.what = clip(text, 5000);
      if (state.draft.where) return afterWhere(state);
      // A message that already says where skips the "where" question (never the confirmation).
      if (PLACE_WORDS.test(text)) {
        state.draft.where = { address: clip(text, 500) };
        return afterWhere(state);
      }
      return { state: { ...state, step: "where" }, replies: [ASK_WHERE] };
    }
  }
}

// ——— replies for the effects' outcomes (pure) ———

export function replyFiled(ticketNo: string): string {
  return `已受理，工单号 ${ticketNo}。\n处理进展会通过这里告诉您；也可发送“查询 ${ticketNo}”查看。`;
}

export function replyFileFailed(): string {
  return "抱歉，提交没有成功，请稍后回复 1 重试。";
}

export function replyQuery(ticketNo: string, ticket: Ticket | null): string {
  if (!TICKET_NO.test(ticketNo)) return "请发送“查询 工单号”，例如：查询 20261201-000123";
  if (!ticket) return `没有找到您的工单 ${ticketNo}。`;
  const latest = publicProgress(ticket).at(-1);
  return [
    `工单 ${ticket.ticketNo}：${statusText(ticket.status)}`,
    `问题：${clip(ticket.title, 30)}`,
    ...(latest ? [`最新进展：${clip(latest.note, 200)}`] : []),
  ].join("\n");
}

export function replyMine(tickets: readonly Ticket[]): string {
  if (!tickets.length) return "您还没有通过微信反映过问题。直接发送问题描述即可反映。";
  return [
    "您最近的工单：",
    ...tickets.map((t) => `${t.ticketNo} ${statusText(t.status)} ${clip(t.title, 20)}`),
    "发送“查询 工单号”查看进展。",
  ].join("\n");
}

export function replyRated(result: { ticketNo: string; outcome: string } | null): string {
  if (!result) return "目前没有需要您评价的工单。";
  return result.outcome === "reopened"
    ? `感谢您的评价。工单 ${result.ticketNo} 将重新交办，我们会继续跟进。`
    : `感谢您对工单 ${result.ticketNo} 的评价！`;
}
