import * as z from "zod/mini";
import { openCallbacks } from "../closure/callbacks.js";
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  fromZodIssues,
  NotFoundError,
  ValidationError,
} from "../domain/errors.js";
import { type Actor, type Command, transition } from "../domain/lifecycle.js";
import { text as sharedText } from "../domain/text.js";
import type { HistoryEvent } from "../domain/ticket.js";
import { Attachment, ReturnCode, type Ticket } from "../domain/ticket.js";
import { errorFields } from "../log.js";
import { enqueueNotifications } from "../notify/service.js";
import type { SaveCondition } from "../ports.js";
import { routeNow } from "../routing/assign.js";
import { isSignedLease, openLease } from "../security/lease.js";
import "../zod.js";
import type { Core } from "./context.js";
import { deliver } from "./delivery.js";
import { parentStillOpen, SYSTEM } from "./intake.js";

/** Notes and reasons may span lines; ids and short fields are single-line (shared/domain/text.ts). */
const text = (max: number) => sharedText(max, { multiline: max > 100 });
const lease = /* @__PURE__ */ (() => z.optional(z.string().check(z.minLength(1), z.maxLength(4096))))();

/** Body of POST /v1/tickets/{id}/actions. */
export const ActionInput = /* @__PURE__ */ (() =>
  z.discriminatedUnion("action", [
    z.object({ action: z.literal("accept"), note: z.optional(text(2000)), leaseToken: lease }),
    z.object({ action: z.literal("progress"), note: text(2000) }),
    z.object({
      action: z.literal("resolve"),
      result: text(5000),
      evidence: z._default(z.array(Attachment).check(z.maxLength(20)), []),
      leaseToken: lease,
    }),
    z.object({
      action: z.literal("return"),
      /** 退单理由: defaults to `other` for callers that send text only. */
      code: z._default(ReturnCode, "other"),
      reason: text(2000),
      /** not_ours: the department believed responsible. */
      department: z.optional(text(64)),
      /** duplicate: the ticket (id) this repeats. */
      duplicateOf: z.optional(text(100)),
      leaseToken: lease,
    }),
    z.object({
      action: z.literal("assign"),
      department: text(64),
      categoryId: z.optional(text(64)),
      note: z.optional(text(2000)),
      /** 联合处置: co-handling departments; after an escalation, defaults to every department that returned it. */
      coHandlers: z.optional(z.array(text(64)).check(z.maxLength(10))),
    }),
    z.object({ action: z.literal("verify"), passed: z.boolean(), note: z.optional(text(2000)) }),
    z.object({ action: z.literal("reject"), reason: text(2000) }),
    z.object({ action: z.literal("merge"), parentId: text(100) }),
    z.object({ action: z.literal("reopen"), reason: text(2000) }),
    // The closure loop (shared/closure): 延期 and the reporter's own verification.
    z.object({ action: z.literal("extend"), reason: text(2000), dueAt: z.iso.datetime({ offset: true }) }),
    z.object({ action: z.literal("approve-extension"), note: z.optional(text(2000)) }),
    z.object({ action: z.literal("refuse-extension"), reason: text(2000) }),
    z.object({
      action: z.literal("confirm"),
      passed: z.boolean(),
      note: z.optional(text(2000)),
      /** A channel gateway confirms for its own user only. */
      channelUserId: z.optional(text(200)),
    }),
    z.object({ action: z.literal("co-accept"), note: z.optional(text(2000)), leaseToken: lease }),
    z.object({ action: z.literal("co-report"), result: text(5000) }),
    z.object({
      action: z.literal("judge-return"),
      seq: z.number().check(z.int(), z.nonnegative()),
      wrong: z.boolean(),
      note: z.optional(text(2000)),
    }),
    z.object({ action: z.literal("keep-separate"), note: z.optional(text(2000)) }),
    z.object({ action: z.literal("unmerge"), note: z.optional(text(2000)) }),
    // 小事一格解决, not small after all: the grid worker hands it up to the grid's street office or to triage.
    z.object({
      action: z.literal("hand-up"),
      to: z._default(z.enum(["street-office", "triage"]), "street-office"),
      reason: text(2000),
    }),
  ]))();
export type ActionInput = z.infer<typeof ActionInput>;

/**
 * Who may read a ticket: operators and dispatchers all; a department only its own (or once its own); a channel
 * gateway only tickets of its own channel; a grid worker only what it filed itself.
 */
export function assertCanRead(ticket: Ticket, actor: Actor): void {
  if (actor.role === "operator" || actor.role === "dispatcher") return;
  const owned =
    actor.role === "department"
      ? ticket.department === actor.department ||
        (ticket.coHandlers ?? []).some((c) => c.department === actor.department) ||
        ticket.history.some((e) => e.data?.department === actor.department)
      : actor.role === "channel"
        ? ticket.channel === actor.channel
        : actor.role === "grid-worker"
          ? ticket.history[0]?.actor === actor.id ||
            (!!actor.grid && ticket.history.some((e) => e.data?.grid === actor.grid))
          : actor.role === "system";
  // Not "forbidden": a caller who may not read a ticket cannot tell it from one that does not exist.
  if (!owned) throw new NotFoundError(`工单 ${ticket.id}`);
}

/** A channel gateway acts only as its own reporter's confirmation (核查 by the reporter). */
function assertReporterConfirms(ticket: Ticket, actor: Actor, input: ActionInput): void {
  if (input.action !== "confirm" || ticket.channel !== actor.channel) throw new ForbiddenError();
  const user = ticket.reporter.channelUserId;
  if (user && input.channelUserId !== user)
    throw new ForbiddenError("只能确认本人的工单 / only the reporter may confirm");
}

async function toCommand(
  core: Core,
  ticket: Ticket,
  input: ActionInput,
  parent: Ticket | null,
): Promise<Command> {
  const now = core.clock.now();
  switch (input.action) {
    case "accept":
      return { type: "accept", note: input.note };
    case "progress":
      return { type: "progress", note: input.note };
    case "resolve":
      return { type: "resolve", result: input.result, evidence: input.evidence };
    case "return":
      return { type: "return", ...(await returnCommand(core, ticket, input)) };
    case "assign": {
      if (!core.departments.has(input.department)) {
        throw new ValidationError(`未知承办单位 ${input.department} / unknown department`, "department");
      }
      if (input.categoryId && !core.categories.has(input.categoryId)) {
        throw new ValidationError(`未知分类 ${input.categoryId} / unknown category`, "categoryId");
      }
      const returned = returnedBy(ticket);
      // 联合处置: after an escalation the dispatcher may pick any lead, and those who returned it co-handle.
      if (!ticket.escalatedAt && returned.has(input.department)) {
        throw new ValidationError(
          `${input.department} 已退回过该工单，不能再派给它 / ${input.department} already returned this ticket`,
          "department",
        );
      }
      const co = input.coHandlers ?? (ticket.escalatedAt ? [...returned] : undefined);
      co?.forEach((d, i) => {
        if (!core.departments.has(d))
          throw new ValidationError(`未知承办单位 ${d} / unknown department`, `coHandlers.${i}`);
      });
      const categoryId = input.categoryId ?? ticket.categoryId;
      const dueAt = core.deadlines.dueAt(now, ticket.urgency, categoryId);
      return {
        type: "assign",
        department: input.department,
        categoryId: input.categoryId,
        note: input.note,
        ...core.deadlines.deadlines(now, ticket.urgency, categoryId),
        ...(co ? { coHandlers: co.map((department) => ({ department, dueAt })) } : {}),
      };
    }
    case "co-accept":
      return { type: "co-accept", note: input.note };
    case "co-report":
      return { type: "co-report", result: input.result };
    case "judge-return":
      return { type: "judge-return", seq: input.seq, wrong: input.wrong, note: input.note };
    case "keep-separate":
    case "unmerge": {
      const route = routeNow(core, ticket, now, returnedBy(ticket));
      return {
        type: input.action,
        department: route?.department ?? null,
        dueAt: route?.dueAt ?? null,
        coHandlers: route?.coHandlers ?? [],
        note: input.note,
        ...(route?.grid ? { grid: route.grid } : {}),
      };
    }
    case "hand-up": {
      const a = ticket.location.area;
      const office = a?.district && a.street ? `${a.district}-${a.street}` : null;
      const toOffice = input.to === "street-office" && office && core.departments.has(office);
      if (input.to === "street-office" && !toOffice)
        throw new ValidationError("该网格没有街道办事处 / no street office for this grid", "to");
      return {
        type: "hand-up",
        reason: input.reason,
        department: toOffice ? office : null,
        ...(toOffice
          ? core.deadlines.deadlines(now, ticket.urgency, ticket.categoryId)
          : { dueAt: null, acceptDueAt: null }),
      };
    }
    case "verify":
      return {
        type: "verify",
        passed: input.passed,
        note: input.note,
        mode: core.deadlines.verification(ticket.categoryId),
        fresh: core.deadlines.deadlines(now, ticket.urgency, ticket.categoryId),
      };
    case "confirm":
      return {
        type: "confirm",
        passed: input.passed,
        note: input.note,
        mode: core.deadlines.verification(ticket.categoryId),
        fresh: core.deadlines.deadlines(now, ticket.urgency, ticket.categoryId),
      };
    case "extend":
      if (Date.parse(input.dueAt) <= now.getTime())
        throw new ValidationError("延期后的时限须晚于现在 / the new date must be in the future", "dueAt");
      return { type: "extend", reason: input.reason, dueAt: new Date(input.dueAt).toISOString() };
    case "approve-extension":
      return { type: "approve-extension", note: input.note };
    case "refuse-extension":
      return { type: "refuse-extension", reason: input.reason };
    case "reject":
      if (ticket.mergedChildren) {
        throw new DomainError(
          "illegal_transition",
          "已有重复工单合并到此工单，不能驳回 / repeat reports were merged into this ticket: it cannot be rejected",
        );
      }
      return { type: "reject", reason: input.reason };
    case "merge": {
      if (!parent) throw new ValidationError("被合并的主工单不存在 / parent ticket not found", "parentId");
      if (["closed", "rejected", "merged"].includes(parent.status)) {
        throw new ValidationError("主工单已结束 / parent ticket is no longer open", "parentId");
      }
      return { type: "merge", parentId: parent.id };
    }
    case "reopen": {
      const days = core.config.lifecycle.reopenWindowDays;
      if (ticket.closedAt && now.getTime() - Date.parse(ticket.closedAt) > days * 86_400_000) {
        throw new DomainError(
          "illegal_transition",
          `工单关闭已超过 ${days} 天，不能重办，请新建工单 / closed more than ${days} days ago: file a new ticket`,
        );
      }
      return {
        type: "reopen",
        reason: input.reason,
        ...core.deadlines.deadlines(now, ticket.urgency, ticket.categoryId),
      };
    }
  }
}

/** A merge's parent must still be open when the merge commits: checked inside the save's transaction. */
function saveConditions(input: ActionInput): SaveCondition[] {
  return input.action === "merge" ? [parentStillOpen(input.parentId)] : [];
}

/**
 * The queue receipt handle to delete with, once the lease token is known to belong to this ticket (id and a
 * version it has had) and to the acting department's queue. A raw SQS receipt handle (a department reading its
 * queue directly, which may delete there anyway) is passed on as it is.
 */
function leaseHandle(core: Core, token: string, ticket: Ticket, actor: Actor): string {
  if (!isSignedLease(token)) return token;
  const lease = openLease(core.secrets, token);
  if (lease.ticketId !== ticket.id || lease.version > ticket.version || lease.target !== actor.department) {
    throw new ValidationError(
      "leaseToken 属于另一张工单或队列 / the lease token belongs to another ticket or queue",
      "leaseToken",
    );
  }
  return lease.handle;
}

/** Departments that have returned (退单) a ticket. */
export function returnedBy(ticket: Pick<Ticket, "returns">): Set<string> {
  return new Set((ticket.returns ?? []).map((r) => r.department));
}

type ReturnFields = { reason: string; code: ReturnCode; suggestedDepartment?: string; duplicateOf?: string };

async function returnCommand(
  core: Core,
  ticket: Ticket,
  input: Extract<ActionInput, { action: "return" }>,
): Promise<ReturnFields> {
  const out: ReturnFields = { reason: input.reason, code: input.code };
  if (input.code === "not_ours") {
    const d = input.department;
    if (!d) throw new ValidationError("须指明责任单位 / name the responsible department", "department");
    if (!core.departments.has(d))
      throw new ValidationError(`未知承办单位 ${d} / unknown department`, "department");
    if (d === ticket.department || returnedBy(ticket).has(d))
      throw new ValidationError(
        `${d} 已退回过或正在退回该工单 / ${d} has already returned this ticket`,
        "department",
      );
    out.suggestedDepartment = d;
  }
  if (input.code === "duplicate") {
    const id = input.duplicateOf;
    if (!id) throw new ValidationError("须指明重复的原工单 / name the ticket this repeats", "duplicateOf");
    const original = id === ticket.id ? null : await core.store.get(id);
    if (!original) throw new ValidationError("原工单不存在 / no such ticket", "duplicateOf");
    out.duplicateOf = original.id;
  }
  return out;
}

/**
 * After a return: the Nth return (returns.escalateAfter) escalates to joint handling (联合处置: the dispatcher
 * picks a lead, those who returned it co-handle); otherwise a `not_ours` return naming a department goes
 * straight there when the configuration says so, once per ticket.
 */
function afterReturn(
  core: Core,
  ticket: Ticket,
  events: HistoryEvent[],
  command: Extract<Command, { type: "return" }>,
  now: Date,
): { ticket: Ticket; events: HistoryEvent[] } {
  const settings = core.config.returns;
  if (!ticket.escalatedAt && ticket.returnCount >= settings.escalateAfter) {
    const next = transition(
      ticket,
      {
        type: "escalate",
        reason: "returns",
        note: `已退单 ${ticket.returnCount} 次，转联合处置 / returned ${ticket.returnCount} times: joint handling`,
      },
      SYSTEM,
      now,
    );
    return { ticket: next.ticket, events: [...events, ...next.events] };
  }
  if (
    settings.forwardNotOurs &&
    command.code === "not_ours" &&
    command.suggestedDepartment &&
    !ticket.forwardedAt
  ) {
    const next = transition(
      ticket,
      {
        type: "forward",
        department: command.suggestedDepartment,
        dueAt: core.deadlines.dueAt(now, ticket.urgency, ticket.categoryId),
      },
      SYSTEM,
      now,
    );
    return { ticket: next.ticket, events: [...events, ...next.events] };
  }
  return { ticket, events };
}

/**
 * Applies one action to a ticket: load → pure transition → conditional save (retried on a concurrent change)
 * → deliver to a queue when the new state needs one. A department may act only on its own tickets.
 */
export async function applyAction(core: Core, ticketId: string, raw: unknown, actor: Actor): Promise<Ticket> {
  const parsed = ActionInput.safeParse(raw);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  const input = parsed.data;

  for (let attempt = 0; ; attempt++) {
    const current = await core.store.get(ticketId);
    if (!current) throw new NotFoundError(`工单 ${ticketId}`);
    const coAction = input.action === "co-accept" || input.action === "co-report";
    if (actor.role === "department" && current.department !== actor.department && !coAction) {
      assertCanRead(current, actor);
      throw new ForbiddenError("该工单不属于本单位 / this ticket is not assigned to your department");
    }
    if (actor.role === "channel") assertReporterConfirms(current, actor, input);
    // A grid worker acts only on what its grid cell handles (小事一格解决); anything else it cannot tell apart
    // from a ticket that does not exist, unless it filed it.
    if (actor.role === "grid-worker" && (!current.handlingGrid || current.handlingGrid !== actor.grid)) {
      assertCanRead(current, actor);
      throw new ForbiddenError("该工单不由本网格办理 / this ticket is not handled by your grid cell");
    }
    // Checked before anything changes: a lease of another ticket is refused, never used to delete.
    const handle =
      actor.role === "department" && "leaseToken" in input && input.leaseToken
        ? leaseHandle(core, input.leaseToken, current, actor)
        : null;
    // A merge reads its parent once: checked here, conditioned again inside the save's transaction, and its
    // number (which never changes) named in the reporter's notice.
    const parent = input.action === "merge" ? await core.store.get(input.parentId) : null;
    const command = await toCommand(core, current, input, parent);
    const now = core.clock.now();
    let { ticket, events } = transition(current, command, actor, now);
    if (command.type === "return") ({ ticket, events } = afterReturn(core, ticket, events, command, now));
    try {
      await core.store.save(ticket, events, current.version, { conditions: saveConditions(input) });
    } catch (err) {
      if (err instanceof ConflictError && attempt < 3) continue;
      throw err;
    }
    core.log.log("info", "ticket action", {
      ticketId: ticket.id,
      action: input.action,
      actor: actor.id,
      from: current.status,
      to: ticket.status,
    });
    await enqueueNotifications(core, ticket, events, parent ? { parentNo: parent.ticketNo } : {});
    let result = ticket;
    if (ticket.dispatchPending && core.dispatch === "inline" && (await deliver(core, ticket)))
      result = { ...ticket, dispatchPending: false };
    if (ticket.status === "closed" && current.status !== "closed") {
      // 回访: one callback per reporter. The closure stands even if this fails; the log says so.
      result = await openCallbacks(core, result).catch((err: unknown) => {
        core.log.log("error", "callbacks not opened", { ticketId, ...errorFields(err) });
        return result;
      });
    }
    if (handle && actor.department) {
      await core.queue.delete(actor.department, handle).catch((err: unknown) => {
        core.log.log("warn", "lease delete failed", { ticketId, error: String(err) });
      });
    }
    return result;
  }
}
