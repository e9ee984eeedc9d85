import { DomainError, ForbiddenError, IllegalTransitionError, ValidationError } from "./errors.js";
import type {
  Attachment,
  Channel,
  CoHandler,
  HistoryEvent,
  ReturnCode,
  Role,
  Ticket,
  TicketStatus,
} from "./ticket.js";

/**
 * Who performs a command. `department` is set for department principals, `channel` for channel gateways,
 * `grid` for grid workers.
 */
export interface Actor {
  id: string;
  role: Role;
  department?: string;
  channel?: Exclude<Channel, "hotline" | "grid">;
  grid?: string;
}

/** A co-handling department to add on dispatch / assign, with its own deadline. */
export interface CoHandlerAssignment {
  department: string;
  dueAt: string | null;
}

export type Command =
  | { type: "dispatch"; department: string; dueAt: string | null; coHandlers?: CoHandlerAssignment[] }
  | { type: "triage"; reason: string }
  | { type: "accept"; note?: string }
  | { type: "progress"; note: string }
  | { type: "resolve"; result: string; evidence: Attachment[] }
  | {
      type: "return";
      reason: string;
      code?: ReturnCode;
      suggestedDepartment?: string;
      duplicateOf?: string;
    }
  | {
      type: "assign";
      department: string;
      categoryId?: string;
      dueAt: string | null;
      note?: string;
      coHandlers?: CoHandlerAssignment[];
    }
  | { type: "verify"; passed: boolean; note?: string }
  | { type: "reject"; reason: string }
  | { type: "merge"; parentId: string }
  | { type: "reopen"; reason: string; dueAt: string | null }
  // 协办: a co-handling department accepts (签收) and reports (反馈) its part.
  | { type: "co-accept"; note?: string }
  | { type: "co-report"; result: string }
  // 联合处置 / 督办升级: the ticket is escalated (returned too often, or overdue).
  | { type: "escalate"; reason: "returns" | "overdue"; note?: string }
  // a `not_ours` return forwarded straight to the department it names (once per ticket).
  | { type: "forward"; department: string; dueAt: string | null }
  // the dispatcher judges one return (by its seq) wrong or right.
  | { type: "judge-return"; seq: number; wrong: boolean; note?: string }
  // 重复工单: the dispatcher keeps a flagged ticket separate (routed as the rules say, or left in triage), or
  // restores a merged child.
  | {
      type: "keep-separate";
      department: string | null;
      dueAt: string | null;
      coHandlers?: CoHandlerAssignment[];
    }
  | {
      type: "unmerge";
      department: string | null;
      dueAt: string | null;
      coHandlers?: CoHandlerAssignment[];
      note?: string;
    };

export type CommandType = Command["type"];

interface Rule {
  roles: readonly Role[];
  from: readonly TicketStatus[];
}

/** The legal moves of DESIGN.md §3: who may issue each command, and from which states. */
export const TRANSITIONS: Readonly<Record<CommandType, Rule>> = {
  dispatch: { roles: ["system"], from: ["received"] },
  triage: { roles: ["system"], from: ["received"] },
  accept: { roles: ["department"], from: ["dispatched"] },
  progress: { roles: ["department"], from: ["accepted"] },
  resolve: { roles: ["department"], from: ["accepted"] },
  return: { roles: ["department"], from: ["dispatched", "accepted"] },
  assign: { roles: ["dispatcher"], from: ["triage"] },
  verify: { roles: ["dispatcher"], from: ["resolved"] },
  reject: { roles: ["dispatcher"], from: ["received", "triage"] },
  merge: { roles: ["dispatcher", "system"], from: ["received", "triage"] },
  reopen: { roles: ["dispatcher", "operator"], from: ["closed"] },
  "co-accept": { roles: ["department"], from: ["dispatched", "accepted"] },
  "co-report": { roles: ["department"], from: ["dispatched", "accepted"] },
  escalate: { roles: ["system", "dispatcher"], from: ["triage", "dispatched", "accepted"] },
  forward: { roles: ["system"], from: ["triage"] },
  "judge-return": {
    roles: ["dispatcher"],
    from: ["received", "triage", "dispatched", "accepted", "resolved", "closed", "merged", "rejected"],
  },
  "keep-separate": { roles: ["dispatcher"], from: ["triage"] },
  unmerge: { roles: ["dispatcher"], from: ["merged"] },
};

/** Commands a co-handling department (协办) issues on a ticket it does not lead. */
const CO_COMMANDS: ReadonlySet<CommandType> = new Set(["co-accept", "co-report"]);

function coHandlersFrom(list: CoHandlerAssignment[] | undefined, lead: string): CoHandler[] {
  const seen = new Set<string>([lead]);
  const out: CoHandler[] = [];
  for (const c of list ?? []) {
    if (seen.has(c.department)) continue;
    seen.add(c.department);
    out.push({
      department: c.department,
      status: "dispatched",
      dueAt: c.dueAt,
      acceptedAt: null,
      reportedAt: null,
      result: null,
    });
  }
  return out;
}

/** Co-handlers that have not reported yet (the ticket cannot resolve while any remain). */
export function pendingCoHandlers(ticket: Pick<Ticket, "coHandlers">): string[] {
  return (ticket.coHandlers ?? []).filter((c) => c.status !== "reported").map((c) => c.department);
}

/** States whose ticket must be (re)delivered to a queue: a department's for dispatched, the triage queue for triage. */
export const QUEUED_STATES: ReadonlySet<TicketStatus> = new Set(["dispatched", "triage"]);

export interface TransitionResult {
  ticket: Ticket;
  events: HistoryEvent[];
}

function required(value: string | undefined, field: string): string {
  if (!value || value.trim() === "") {
    throw new ValidationError(`${field} 不能为空 / ${field} is required`, field);
  }
  return value.trim();
}

/**
 * The one place where a ticket changes state. Pure: (ticket, command, actor, now) → new ticket + events.
 * Refuses an illegal move with IllegalTransitionError and a wrong role with ForbiddenError.
 */
export function transition(ticket: Ticket, command: Command, actor: Actor, now: Date): TransitionResult {
  const rule = TRANSITIONS[command.type];
  if (!rule.roles.includes(actor.role)) {
    throw new ForbiddenError(
      `角色 ${actor.role} 不能执行 ${command.type} / role ${actor.role} cannot ${command.type}`,
    );
  }
  const co = CO_COMMANDS.has(command.type)
    ? (ticket.coHandlers ?? []).find((c) => c.department === actor.department)
    : undefined;
  if (
    CO_COMMANDS.has(command.type)
      ? !co
      : actor.role === "department" && ticket.department !== actor.department
  ) {
    throw new ForbiddenError();
  }
  if (!rule.from.includes(ticket.status)) {
    throw new IllegalTransitionError(ticket.status, command.type);
  }

  const at = now.toISOString();
  const next: Ticket = { ...ticket, updatedAt: at, version: ticket.version + 1 };
  let note: string | undefined;
  let data: Record<string, unknown> | undefined;

  switch (command.type) {
    case "dispatch":
    case "forward":
      next.status = "dispatched";
      next.department = command.department;
      next.dispatchedAt = at;
      next.dueAt = command.dueAt;
      data = { department: command.department, dueAt: command.dueAt };
      if (command.type === "dispatch" && command.coHandlers?.length) {
        next.coHandlers = coHandlersFrom(command.coHandlers, command.department);
        data.coHandlers = next.coHandlers.map((c) => c.department);
      }
      if (command.type === "forward") next.forwardedAt = at;
      break;
    case "triage":
      next.status = "triage";
      note = required(command.reason, "reason");
      break;
    case "accept":
      next.status = "accepted";
      note = command.note?.trim() || undefined;
      break;
    case "progress":
      note = required(command.note, "note");
      break;
    case "resolve": {
      const pending = pendingCoHandlers(ticket);
      if (pending.length)
        throw new DomainError(
          "illegal_transition",
          `协办单位尚未反馈：${pending.join("、")} / co-handlers have not reported yet: ${pending.join(", ")}`,
        );
      next.status = "resolved";
      next.resolvedAt = at;
      next.resolution = { result: required(command.result, "result"), evidence: command.evidence };
      note = next.resolution.result;
      data = command.evidence.length ? { evidence: command.evidence.length } : undefined;
      break;
    }
    case "return": {
      next.status = "triage";
      next.returnCount = ticket.returnCount + 1;
      note = required(command.reason, "reason");
      const code = command.code ?? "other";
      if (code === "not_ours" && !command.suggestedDepartment)
        throw new ValidationError(
          "退单理由为非本单位职责时须指明责任单位 / name the responsible department",
          "department",
        );
      if (code === "duplicate" && !command.duplicateOf)
        throw new ValidationError("重复工单退单须指明原工单 / name the ticket this repeats", "duplicateOf");
      data = {
        department: ticket.department,
        code,
        ...(command.suggestedDepartment ? { suggestedDepartment: command.suggestedDepartment } : {}),
        ...(command.duplicateOf ? { duplicateOf: command.duplicateOf } : {}),
      };
      next.returns = [
        ...(ticket.returns ?? []),
        {
          seq: ticket.history.length,
          at,
          department: ticket.department ?? "",
          code,
          note,
          suggestedDepartment: command.suggestedDepartment ?? null,
          duplicateOf: command.duplicateOf ?? null,
          wrong: null,
        },
      ];
      next.department = null;
      next.dueAt = null;
      next.coHandlers = [];
      break;
    }
    case "assign":
      next.status = "dispatched";
      next.department = command.department;
      next.dispatchedAt = at;
      next.dueAt = command.dueAt;
      if (command.categoryId) {
        next.categoryId = command.categoryId;
        next.categorySource = "dispatcher";
      }
      note = command.note?.trim() || undefined;
      data = { department: command.department, dueAt: command.dueAt };
      if (command.coHandlers) {
        next.coHandlers = coHandlersFrom(command.coHandlers, command.department);
        data.coHandlers = next.coHandlers.map((c) => c.department);
      }
      break;
    case "co-accept":
      if (co?.status !== "dispatched")
        throw new IllegalTransitionError(`co-handler ${co?.status}`, command.type);
      note = command.note?.trim() || undefined;
      next.coHandlers = (ticket.coHandlers ?? []).map((c) =>
        c.department === co.department ? { ...c, status: "accepted", acceptedAt: at } : c,
      );
      data = { department: co.department };
      break;
    case "co-report": {
      if (co?.status !== "accepted")
        throw new IllegalTransitionError(`co-handler ${co?.status}`, command.type);
      const result = required(command.result, "result");
      note = result;
      next.coHandlers = (ticket.coHandlers ?? []).map((c) =>
        c.department === co.department ? { ...c, status: "reported", reportedAt: at, result } : c,
      );
      data = { department: co.department };
      break;
    }
    case "escalate":
      next.escalatedAt = at;
      note = command.note?.trim() || undefined;
      data = { reason: command.reason };
      break;
    case "judge-return": {
      const target = (ticket.returns ?? []).find((r) => r.seq === command.seq);
      if (!target) throw new ValidationError("没有该退单记录 / no such return", "seq");
      next.returns = (ticket.returns ?? []).map((r) =>
        r.seq === command.seq ? { ...r, wrong: command.wrong } : r,
      );
      note = command.note?.trim() || undefined;
      data = { seq: command.seq, department: target.department, wrong: command.wrong };
      break;
    }
    case "keep-separate":
    case "unmerge":
      next.duplicateCandidates = [];
      if (command.type === "unmerge") {
        next.parentId = null;
        next.closedAt = null;
        note = command.note?.trim() || undefined;
      }
      if (command.department) {
        next.status = "dispatched";
        next.department = command.department;
        next.dispatchedAt = at;
        next.dueAt = command.dueAt;
        next.coHandlers = coHandlersFrom(command.coHandlers, command.department);
        data = { department: command.department, dueAt: command.dueAt };
      } else {
        next.status = "triage";
      }
      break;
    case "verify":
      note = command.note?.trim() || undefined;
      if (command.passed) {
        next.status = "closed";
        next.closedAt = at;
      } else {
        next.status = "dispatched";
        next.resolvedAt = null;
        next.resolution = null; // the failed result stays in the history
        note = required(command.note, "note");
      }
      data = { passed: command.passed };
      break;
    case "reject":
      next.status = "rejected";
      next.closeReason = required(command.reason, "reason");
      next.closedAt = at;
      note = next.closeReason;
      break;
    case "merge":
      if (command.parentId === ticket.id)
        throw new ValidationError("不能合并到自身 / cannot merge into itself", "parentId");
      next.status = "merged";
      next.parentId = command.parentId;
      next.closedAt = at;
      data = { parentId: command.parentId };
      break;
    case "reopen":
      next.status = "dispatched";
      next.closedAt = null;
      next.resolvedAt = null;
      next.resolution = null;
      next.dispatchedAt = at;
      next.dueAt = command.dueAt;
      note = required(command.reason, "reason");
      break;
  }

  next.dispatchPending = SAME_STATE_KEEPS_PENDING.has(command.type)
    ? ticket.dispatchPending
    : QUEUED_STATES.has(next.status) && next.status !== ticket.status;
  const event: HistoryEvent = {
    seq: ticket.history.length,
    at,
    actor: actor.id,
    role: actor.role,
    type: command.type,
    from: ticket.status,
    to: next.status,
    ...(note !== undefined ? { note } : {}),
    ...(data !== undefined ? { data } : {}),
  };
  next.history = [...ticket.history, event];
  return { ticket: next, events: [event] };
}

/** Steps that leave the state alone and must not drop an undelivered queue message of the lead's. */
const SAME_STATE_KEEPS_PENDING: ReadonlySet<CommandType> = new Set([
  "co-accept",
  "co-report",
  "escalate",
  "judge-return",
]);

/** Builds a brand-new ticket in state `received` with its first history event. */
export function newTicket(
  fields: Omit<
    Ticket,
    | "status"
    | "version"
    | "history"
    | "createdAt"
    | "updatedAt"
    | "dispatchedAt"
    | "dueAt"
    | "resolvedAt"
    | "closedAt"
    | "returnCount"
    | "parentId"
    | "resolution"
    | "closeReason"
    | "dispatchPending"
    | "department"
  >,
  actor: Actor,
  now: Date,
): Ticket {
  const at = now.toISOString();
  return {
    ...fields,
    status: "received",
    department: null,
    createdAt: at,
    updatedAt: at,
    dispatchedAt: null,
    dueAt: null,
    resolvedAt: null,
    closedAt: null,
    returnCount: 0,
    parentId: null,
    resolution: null,
    closeReason: null,
    dispatchPending: false,
    version: 1,
    history: [{ seq: 0, at, actor: actor.id, role: actor.role, type: "create", from: null, to: "received" }],
  };
}
