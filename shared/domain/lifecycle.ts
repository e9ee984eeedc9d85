import { ForbiddenError, IllegalTransitionError, ValidationError } from "./errors.js";
import type { Attachment, Channel, HistoryEvent, Role, Ticket, TicketStatus } from "./ticket.js";

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

export type Command =
  | { type: "dispatch"; department: string; dueAt: string | null }
  | { type: "triage"; reason: string }
  | { type: "accept"; note?: string }
  | { type: "progress"; note: string }
  | { type: "resolve"; result: string; evidence: Attachment[] }
  | { type: "return"; reason: string }
  | { type: "assign"; department: string; categoryId?: string; dueAt: string | null; note?: string }
  | { type: "verify"; passed: boolean; note?: string }
  | { type: "reject"; reason: string }
  | { type: "merge"; parentId: string }
  | { type: "reopen"; reason: string; dueAt: string | null }
  /** 小事一格解决: a grid worker fixed it on the spot while filing; the ticket is closed at once. */
  | { type: "handle-on-site"; result: string; evidence: Attachment[] };

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
  "handle-on-site": { roles: ["grid-worker"], from: ["received"] },
};

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
  if (actor.role === "department" && ticket.department !== actor.department) {
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
      next.status = "dispatched";
      next.department = command.department;
      next.dispatchedAt = at;
      next.dueAt = command.dueAt;
      data = { department: command.department, dueAt: command.dueAt };
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
    case "resolve":
      next.status = "resolved";
      next.resolvedAt = at;
      next.resolution = { result: required(command.result, "result"), evidence: command.evidence };
      note = next.resolution.result;
      data = command.evidence.length ? { evidence: command.evidence.length } : undefined;
      break;
    case "return":
      next.status = "triage";
      next.returnCount = ticket.returnCount + 1;
      note = required(command.reason, "reason");
      data = { department: ticket.department };
      next.department = null;
      next.dueAt = null;
      break;
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
    case "handle-on-site":
      next.status = "closed";
      next.resolvedAt = at;
      next.closedAt = at;
      next.resolution = { result: required(command.result, "result"), evidence: command.evidence };
      note = next.resolution.result;
      data = { onSite: true, ...(command.evidence.length ? { evidence: command.evidence.length } : {}) };
      break;
  }

  next.dispatchPending = QUEUED_STATES.has(next.status) && next.status !== ticket.status;
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
