import * as z from "zod";
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  fromZodIssues,
  NotFoundError,
  ValidationError,
} from "../domain/errors.js";
import { type Actor, type Command, transition } from "../domain/lifecycle.js";
import { Attachment, type Ticket } from "../domain/ticket.js";
import { enqueueNotifications } from "../notify/service.js";
import type { Core } from "./context.js";
import { deliver } from "./delivery.js";

const text = (max: number) => z.string().trim().min(1).max(max);
const lease = z.string().min(1).max(4096).optional();

/** Body of POST /v1/tickets/{id}/actions. */
export const ActionInput = z.discriminatedUnion("action", [
  z.object({ action: z.literal("accept"), note: text(2000).optional(), leaseToken: lease }),
  z.object({ action: z.literal("progress"), note: text(2000) }),
  z.object({
    action: z.literal("resolve"),
    result: text(5000),
    evidence: z.array(Attachment).max(20).default([]),
    leaseToken: lease,
  }),
  z.object({ action: z.literal("return"), reason: text(2000), leaseToken: lease }),
  z.object({
    action: z.literal("assign"),
    department: text(64),
    categoryId: text(64).optional(),
    note: text(2000).optional(),
  }),
  z.object({ action: z.literal("verify"), passed: z.boolean(), note: text(2000).optional() }),
  z.object({ action: z.literal("reject"), reason: text(2000) }),
  z.object({ action: z.literal("merge"), parentId: text(100) }),
  z.object({ action: z.literal("reopen"), reason: text(2000) }),
]);
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
        ticket.history.some((e) => e.data?.department === actor.department)
      : actor.role === "channel"
        ? ticket.channel === actor.channel
        : actor.role === "grid-worker"
          ? ticket.history[0]?.actor === actor.id
          : actor.role === "system";
  if (!owned) throw new ForbiddenError();
}

async function toCommand(core: Core, ticket: Ticket, input: ActionInput): Promise<Command> {
  const now = core.clock.now();
  switch (input.action) {
    case "accept":
      return { type: "accept", note: input.note };
    case "progress":
      return { type: "progress", note: input.note };
    case "resolve":
      return { type: "resolve", result: input.result, evidence: input.evidence };
    case "return":
      return { type: "return", reason: input.reason };
    case "assign": {
      if (!core.departments.has(input.department)) {
        throw new ValidationError(`未知承办单位 ${input.department} / unknown department`, "department");
      }
      if (input.categoryId && !core.categories.has(input.categoryId)) {
        throw new ValidationError(`未知分类 ${input.categoryId} / unknown category`, "categoryId");
      }
      const categoryId = input.categoryId ?? ticket.categoryId;
      return {
        type: "assign",
        department: input.department,
        categoryId: input.categoryId,
        note: input.note,
        dueAt: core.deadlines.dueAt(now, ticket.urgency, categoryId),
      };
    }
    case "verify":
      return { type: "verify", passed: input.passed, note: input.note };
    case "reject":
      return { type: "reject", reason: input.reason };
    case "merge": {
      const parent = await core.store.get(input.parentId);
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
        dueAt: core.deadlines.dueAt(now, ticket.urgency, ticket.categoryId),
      };
    }
  }
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
    if (actor.role === "department" && current.department !== actor.department) {
      assertCanRead(current, actor);
      throw new ForbiddenError("该工单不属于本单位 / this ticket is not assigned to your department");
    }
    const command = await toCommand(core, current, input);
    const { ticket, events } = transition(current, command, actor, core.clock.now());
    try {
      await core.store.save(ticket, events, current.version);
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
    const parentNo = input.action === "merge" ? (await core.store.get(input.parentId))?.ticketNo : undefined;
    await enqueueNotifications(core, ticket, events, parentNo ? { parentNo } : {});
    let result = ticket;
    if (ticket.dispatchPending && core.dispatch === "inline" && (await deliver(core, ticket)))
      result = { ...ticket, dispatchPending: false };
    if (actor.role === "department" && "leaseToken" in input && input.leaseToken && actor.department) {
      await core.queue.delete(actor.department, input.leaseToken).catch((err: unknown) => {
        core.log.log("warn", "lease delete failed", { ticketId, error: String(err) });
      });
    }
    return result;
  }
}
