import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import * as z from "zod/mini";
import {
  ConflictError,
  ForbiddenError,
  fromZodIssues,
  NotFoundError,
  ValidationError,
} from "../domain/errors.js";
import { type Actor, type Command, transition } from "../domain/lifecycle.js";
import type { Channel, Ticket } from "../domain/ticket.js";
import { errorFields } from "../log.js";
import type { Notification } from "../notify/notification.js";
import { sendNotification } from "../notify/service.js";
import type { CallbackAnswer, ChannelCallbacks } from "../ports.js";
import type { Core } from "../services/context.js";
import { deliver } from "../services/delivery.js";
import "../zod.js";
import type { CallbackRecord, CallbackSummary } from "./schema.js";

/**
 * 回访: after closure one callback per reporter — the closed ticket's and every merged ticket's — through the
 * channel the request came in on: WeChat asks in the conversation (满意 / 基本满意 / 不满意), web and Open311
 * reporters get a rating link by SMS, hotline callers are phoned back by an operator from the callback list.
 * A rating at or below `callbacks.reopenAtOrBelow` reopens the ticket (重办) to the same department.
 */

/** Grid patrol reports are filed by staff: no satisfaction callback. */
const NO_CALLBACK: ReadonlySet<Channel> = new Set(["grid"]);

export const WORD_RATINGS = { 满意: 5, 基本满意: 3, 不满意: 1 } as const;

const summary = (cb: CallbackRecord): CallbackSummary => {
  const { ticketId: _t, channelUserId: _u, linkHash: _l, version: _v, ...rest } = cb;
  return rest;
};

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** A rating link's token: `<callback id>.<secret>`; only the secret's hash is stored. */
function newLinkToken(callbackId: string) {
  const secret = randomBytes(24).toString("base64url");
  return { token: `${callbackId}.${secret}`, hash: sha256(secret) };
}

function ratingLink(core: Core, token: string): string {
  const base = (core.publicBaseUrl ?? "").replace(/\/$/, "");
  return `${base}/rate/${token}`;
}

function callbackText(ticketNo: string, channel: Channel, days: number, link?: string): string {
  if (channel === "wechat")
    return `【12345】您的工单 ${ticketNo} 已办结。请对办理结果评价，回复：满意 / 基本满意 / 不满意（可附意见）。`;
  return `【12345】您的工单 ${ticketNo} 已办结，请在 ${days} 天内评价办理结果：${link ?? ""}`;
}

/**
 * Opens the callbacks of a ticket that has just closed: one per reporter of the ticket and of every ticket merged
 * into it, saved with the ticket in one transaction; then the channel questions go on the notification queue.
 */
export async function openCallbacks(core: Core, closed: Ticket): Promise<Ticket> {
  const now = core.clock.now();
  const expiresAt = new Date(now.getTime() + core.config.callbacks.windowDays * 86_400_000).toISOString();
  const childIds = await core.store.listChildren(closed.id);
  const children = (await Promise.all(childIds.map((id) => core.store.get(id)))).filter(
    (t): t is Ticket => !!t && t.parentId === closed.id,
  );
  const records: CallbackRecord[] = [];
  const links = new Map<string, string>();
  for (const reporterTicket of [closed, ...children]) {
    if (NO_CALLBACK.has(reporterTicket.channel) || reporterTicket.reporter.anonymous) continue;
    const id = core.newId();
    const record: CallbackRecord = {
      id,
      ticketId: closed.id,
      reporterTicketId: reporterTicket.id,
      reporterTicketNo: reporterTicket.ticketNo,
      channel: reporterTicket.channel,
      status: "pending",
      rating: null,
      attempts: 0,
      createdAt: now.toISOString(),
      expiresAt,
      answeredAt: null,
      version: 1,
    };
    if (reporterTicket.channel === "wechat" && reporterTicket.reporter.channelUserId)
      record.channelUserId = reporterTicket.reporter.channelUserId;
    if (reporterTicket.channel === "web" || reporterTicket.channel === "open311") {
      const link = newLinkToken(id);
      record.linkHash = link.hash;
      links.set(id, link.token);
    }
    records.push(record);
  }
  if (!records.length) return closed;
  const { ticket, events } = transition(
    closed,
    { type: "callback-open", callbacks: records.map(summary) },
    { id: "system", role: "system" },
    now,
  );
  await core.store.save(ticket, events, closed.version, { callbacks: records });
  for (const r of records) {
    if (r.channel === "hotline") continue; // an operator phones back: GET /v1/callbacks?status=pending
    const token = links.get(r.id);
    const n: Notification = {
      id: `${r.reporterTicketId}:callback:${r.id}`,
      ticketId: r.reporterTicketId,
      ticketNo: r.reporterTicketNo,
      version: ticket.version,
      kind: "callback",
      text: callbackText(
        r.reporterTicketNo,
        r.channel as Channel,
        core.config.callbacks.windowDays,
        token ? ratingLink(core, token) : undefined,
      ),
      callbackId: r.id,
      at: now.toISOString(),
    };
    await sendNotification(core, n);
  }
  core.log.log("info", "callbacks opened", { ticketId: ticket.id, callbacks: records.length });
  return ticket;
}

export type CallbackOutcome = "satisfied" | "reopened" | "recorded";

/**
 * Records one rating. 1–`reopenAtOrBelow` reopens the ticket to the same department with fresh deadlines (when
 * still inside `lifecycle.reopenWindowDays`); above it records the satisfaction. A second answer is a 409.
 */
export async function rateCallback(
  core: Core,
  callbackId: string,
  answer: { rating: number; comment?: string },
  actor: Actor,
): Promise<{ ticket: Ticket; callback: CallbackRecord; outcome: CallbackOutcome }> {
  for (let attempt = 0; ; attempt++) {
    const cb = await core.store.getCallback(callbackId);
    if (!cb) throw new NotFoundError("回访");
    if (cb.status !== "pending")
      throw new ConflictError("该回访已评价或已结束 / this callback is already answered");
    const current = await core.store.get(cb.ticketId);
    if (!current) throw new NotFoundError("工单");
    const now = core.clock.now();
    const days = core.config.lifecycle.reopenWindowDays;
    const inWindow = !current.closedAt || now.getTime() - Date.parse(current.closedAt) <= days * 86_400_000;
    const reopen =
      answer.rating <= core.config.callbacks.reopenAtOrBelow && inWindow && current.status === "closed";
    const command: Command = {
      type: "rate",
      callbackId,
      rating: answer.rating,
      comment: answer.comment,
      ...(reopen ? { reopen: core.deadlines.deadlines(now, current.urgency, current.categoryId) } : {}),
    };
    const { ticket, events } = transition(current, command, actor, now);
    const updated: CallbackRecord = {
      ...cb,
      status: "rated",
      rating: answer.rating,
      answeredAt: now.toISOString(),
      ...(answer.comment?.trim() ? { comment: answer.comment.trim() } : {}),
      version: cb.version + 1,
    };
    // A reopen supersedes the other reporters' open callbacks: the next closure asks them again.
    const superseded = reopen ? await supersededRecords(core, ticket, cb.id) : [];
    try {
      await core.store.save(ticket, events, current.version, { callbacks: [updated, ...superseded] });
    } catch (err) {
      if (err instanceof ConflictError && attempt < 3) continue;
      if (err instanceof ConflictError)
        throw new ConflictError("该回访已评价或已结束 / this callback is already answered");
      throw err;
    }
    let result = ticket;
    if (reopen) {
      await sendNotification(core, {
        id: `${ticket.id}:${ticket.version}:reopened`,
        ticketId: ticket.id,
        ticketNo: ticket.ticketNo,
        version: ticket.version,
        kind: "reopened",
        text: `【12345】您的工单 ${ticket.ticketNo} 已根据回访意见重新交办（重办），我们会继续跟进。`,
        at: now.toISOString(),
      });
      // Re-delivery to the department: the table's stream outbox, or inline where there is none.
      if (ticket.dispatchPending && core.dispatch === "inline" && (await deliver(core, ticket)))
        result = { ...ticket, dispatchPending: false };
    }
    core.log.log("info", "callback rated", {
      ticketId: ticket.id,
      callbackId,
      rating: answer.rating,
      reopen,
    });
    return {
      ticket: result,
      callback: updated,
      outcome: reopen ? "reopened" : answer.rating >= 3 ? "satisfied" : "recorded",
    };
  }
}

async function supersededRecords(core: Core, ticket: Ticket, except: string): Promise<CallbackRecord[]> {
  const ids = ticket.callbacks
    .filter((c) => c.endedBecause === "superseded" && c.id !== except)
    .map((c) => c.id);
  const out: CallbackRecord[] = [];
  for (const id of ids) {
    const r = await core.store.getCallback(id);
    if (r && r.status === "pending")
      out.push({
        ...r,
        status: "unrated",
        endedBecause: "superseded",
        answeredAt: ticket.updatedAt,
        version: r.version + 1,
      });
  }
  return out;
}

/** Ends a callback unrated (unreachable after the attempts, or unanswered within the window). */
async function endCallback(
  core: Core,
  cb: CallbackRecord,
  because: "unreachable" | "expired",
  actor: Actor,
  attemptNote?: string,
): Promise<{ ticket: Ticket; callback: CallbackRecord }> {
  const current = await core.store.get(cb.ticketId);
  if (!current) throw new NotFoundError("工单");
  const now = core.clock.now();
  let ticket = current;
  const events = [];
  if (current.status !== "closed") {
    // The ticket was reopened meanwhile: the callback just ends.
    const updated = {
      ...cb,
      status: "unrated" as const,
      endedBecause: "superseded" as const,
      version: cb.version + 1,
    };
    await core.store.save(current, [], current.version, { callbacks: [updated] }).catch(() => undefined);
    return { ticket: current, callback: updated };
  }
  if (attemptNote !== undefined) {
    const r = transition(
      ticket,
      { type: "callback-attempt", callbackId: cb.id, note: attemptNote },
      actor,
      now,
    );
    ticket = r.ticket;
    events.push(...r.events);
  }
  const r = transition(ticket, { type: "callback-end", callbackId: cb.id, because }, actor, now);
  events.push(...r.events);
  const updated: CallbackRecord = {
    ...cb,
    attempts: cb.attempts + (attemptNote !== undefined ? 1 : 0),
    status: "unrated",
    endedBecause: because,
    answeredAt: now.toISOString(),
    version: cb.version + 1,
  };
  await core.store.save(r.ticket, events, current.version, { callbacks: [updated] });
  return { ticket: r.ticket, callback: updated };
}

export const CallbackResultInput = /* @__PURE__ */ (() =>
  z.strictObject({
    reached: z.boolean(),
    rating: z.optional(z.number().check(z.int(), z.gte(1), z.lte(5))),
    comment: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(2000))),
  }))();

/**
 * POST /v1/callbacks/{id}/result: the operator's phone call. Reached → the rating (required); not reached → one
 * attempt more, and after `callbacks.maxAttempts` the callback closes unrated.
 */
export async function recordCallbackResult(core: Core, callbackId: string, raw: unknown, actor: Actor) {
  const parsed = CallbackResultInput.safeParse(raw);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  const input = parsed.data;
  const cb = await core.store.getCallback(callbackId);
  if (!cb) throw new NotFoundError("回访");
  if (cb.channel !== "hotline")
    throw new ForbiddenError("该回访由渠道自动进行 / this callback is answered in its own channel");
  if (cb.status !== "pending")
    throw new ConflictError("该回访已评价或已结束 / this callback is already answered");
  if (input.reached) {
    if (input.rating === undefined)
      throw new ValidationError("接通后须填写评分 1–5 / rating 1–5 is required when reached", "rating");
    return rateCallback(core, callbackId, { rating: input.rating, comment: input.comment }, actor);
  }
  if (input.rating !== undefined)
    throw new ValidationError("未接通不能评分 / no rating when not reached", "rating");
  if (cb.attempts + 1 >= core.config.callbacks.maxAttempts) {
    const out = await endCallback(core, cb, "unreachable", actor, input.comment ?? "未接通 / not reached");
    return { ...out, outcome: "unreachable" as const };
  }
  const current = await core.store.get(cb.ticketId);
  if (!current) throw new NotFoundError("工单");
  const { ticket, events } = transition(
    current,
    { type: "callback-attempt", callbackId, note: input.comment },
    actor,
    core.clock.now(),
  );
  const updated = { ...cb, attempts: cb.attempts + 1, version: cb.version + 1 };
  await core.store.save(ticket, events, current.version, { callbacks: [updated] });
  return { ticket, callback: updated, outcome: "attempted" as const };
}

/** Closes unrated every callback whose window has passed (the sweeper). Idempotent. */
export async function expireCallbacks(core: Core, now = core.clock.now()) {
  let expired = 0;
  const by = now.toISOString();
  for (const channel of ["hotline", "wechat", "web", "open311"] as const) {
    let cursor: string | undefined;
    do {
      const page = await core.store.listPendingCallbacks(channel, 100, { cursor, expiringBy: by });
      for (const cb of page.items) {
        try {
          await endCallback(core, cb, "expired", { id: "system", role: "system" });
          expired++;
        } catch (err) {
          core.log.log("warn", "callback expiry failed; next sweep retries", {
            callbackId: cb.id,
            ...errorFields(err),
          });
        }
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return { expired };
}

/** The callback a rating link opens, or 404 (unknown, forged or expired link; the answer never says which). */
export async function callbackForToken(core: Core, token: string): Promise<CallbackRecord> {
  const gone = () => new NotFoundError("评价链接无效或已过期 / rating link");
  const m = /^([A-Za-z0-9-]{1,64})\.([A-Za-z0-9_-]{16,64})$/.exec(token);
  if (!m) throw gone();
  const cb = await core.store.getCallback(m[1] as string);
  if (!cb?.linkHash) throw gone();
  const a = Buffer.from(cb.linkHash, "hex");
  const b = Buffer.from(sha256(m[2] as string), "hex");
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw gone();
  if (cb.status === "pending" && Date.parse(cb.expiresAt) < core.clock.now().getTime()) throw gone();
  return cb;
}

/** The public view of a rating link: the ticket number and the state, nothing personal. */
export async function ratingView(core: Core, token: string) {
  const cb = await callbackForToken(core, token);
  const ticket = await core.store.get(cb.reporterTicketId);
  return {
    ticketNo: cb.reporterTicketNo,
    title: ticket?.title ?? "",
    result: (await core.store.get(cb.ticketId))?.resolution?.result ?? null,
    status: cb.status,
    rating: cb.rating,
    expiresAt: cb.expiresAt,
  };
}

export const PublicRatingInput = /* @__PURE__ */ (() =>
  z.strictObject({
    rating: z.number().check(z.int(), z.gte(1), z.lte(5)),
    comment: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(1000))),
  }))();

/** POST /v1/public/ratings/{token}: a link rates only its own callback, once. */
export async function rateByToken(core: Core, token: string, raw: unknown) {
  const parsed = PublicRatingInput.safeParse(raw);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  const cb = await callbackForToken(core, token);
  const out = await rateCallback(core, cb.id, parsed.data, { id: `rating-link:${cb.id}`, role: "system" });
  return { ticketNo: cb.reporterTicketNo, outcome: out.outcome, rating: out.callback.rating };
}

/** The ChannelCallbacks port (shared/ports.ts): WeChat answers a resident's open callback from the conversation. */
export function createChannelCallbacks(getCore: () => Core): ChannelCallbacks {
  return {
    async answer(channel: Channel, channelUserId: string, answer: CallbackAnswer, actor: Actor) {
      const core = getCore();
      if (actor.role === "channel" && actor.channel !== channel) throw new ForbiddenError();
      const cb = await core.store.findOpenCallback(channel, channelUserId);
      if (cb?.status !== "pending") return null;
      if (Date.parse(cb.expiresAt) < core.clock.now().getTime()) return null;
      const out = await rateCallback(core, cb.id, answer, actor);
      return { ticketNo: cb.reporterTicketNo, outcome: out.outcome };
    },
  };
}

/** Operators' callback list: pending hotline callbacks, soonest expiry first, with the number to call. */
export async function listCallbacks(core: Core, opts: { limit: number; cursor?: string }) {
  const page = await core.store.listPendingCallbacks("hotline", opts.limit, { cursor: opts.cursor });
  const items = await Promise.all(
    page.items.map(async (cb) => {
      const t = await core.store.get(cb.reporterTicketId);
      return {
        ...summary(cb),
        ticketId: cb.ticketId,
        title: t?.title ?? "",
        reporter: {
          ...(t?.reporter.name ? { name: t.reporter.name } : {}),
          ...(t?.reporter.phone ? { phone: t.reporter.phone } : {}),
        },
        maxAttempts: core.config.callbacks.maxAttempts,
      };
    }),
  );
  return { items, ...(page.cursor ? { cursor: page.cursor } : {}) };
}
