import {
  type CallbackSummary,
  type CLOSURE_DEFAULTS,
  closureDefaults,
  type DeadlineKind,
  type VerificationMode,
} from "../closure/schema.js";
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  IllegalTransitionError,
  ValidationError,
} from "./errors.js";
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

/** Fresh deadlines for a new round of handling: 签收时限 and 办结时限. */
export interface Deadlines {
  acceptDueAt: string | null;
  dueAt: string | null;
}

/** A co-handling department to add on dispatch / assign, with its own deadline. */
export interface CoHandlerAssignment {
  department: string;
  dueAt: string | null;
}

export type Command =
  | {
      type: "dispatch";
      department: string;
      dueAt: string | null;
      acceptDueAt?: string | null;
      coHandlers?: CoHandlerAssignment[];
      /** 小事一格解决: the grid cell whose grid workers handle it (`department` is its street office). */
      grid?: string;
    }
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
      acceptDueAt?: string | null;
      note?: string;
      coHandlers?: CoHandlerAssignment[];
    }
  | { type: "verify"; passed: boolean; note?: string; mode?: VerificationMode; fresh?: Deadlines }
  | { type: "reject"; reason: string }
  | { type: "merge"; parentId: string }
  | { type: "reopen"; reason: string; dueAt: string | null; acceptDueAt?: string | null }
  // The closure loop (shared/closure): extensions, supervision, the reporter's verification, callbacks.
  | { type: "extend"; reason: string; dueAt: string }
  | { type: "approve-extension"; note?: string }
  | { type: "refuse-extension"; reason: string }
  | { type: "warn"; deadline: DeadlineKind }
  | { type: "urge"; deadline: DeadlineKind }
  // 督办升级 (overdue, the sweeper) / 联合处置 (returned too often): escalated to the centre.
  | { type: "escalate"; deadline?: DeadlineKind; reason: "overdue" | "returns"; note?: string }
  | { type: "confirm"; passed: boolean; note?: string; mode: VerificationMode; fresh?: Deadlines }
  | { type: "callback-open"; callbacks: CallbackSummary[] }
  | { type: "callback-attempt"; callbackId: string; note?: string }
  | { type: "callback-end"; callbackId: string; because: "unreachable" | "expired" }
  | {
      type: "rate";
      callbackId: string;
      rating: number;
      comment?: string;
      /** Set when the rating reopens the ticket (重办): its fresh deadlines. */
      reopen?: Deadlines;
    }
  /** 小事一格解决: a grid worker fixed it on the spot while filing; the ticket is closed at once. */
  | { type: "handle-on-site"; result: string; evidence: Attachment[] }
  /**
   * 小事一格解决, not small after all: the grid worker hands the ticket up to the grid's street office
   * (`department`, fresh deadlines) or, with `department: null`, to triage.
   */
  | {
      type: "hand-up";
      reason: string;
      department: string | null;
      dueAt: string | null;
      acceptDueAt?: string | null;
    }
  // 协办: a co-handling department accepts (签收) and reports (反馈) its part.
  | { type: "co-accept"; note?: string }
  | { type: "co-report"; result: string }
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
      grid?: string;
    }
  | {
      type: "unmerge";
      department: string | null;
      dueAt: string | null;
      coHandlers?: CoHandlerAssignment[];
      note?: string;
      grid?: string;
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
  // grid-worker: a small matter routed to the workers of their grid cell (小事一格解决, `handlingGrid`).
  accept: { roles: ["department", "grid-worker"], from: ["dispatched"] },
  progress: { roles: ["department", "grid-worker"], from: ["accepted"] },
  resolve: { roles: ["department", "grid-worker"], from: ["accepted"] },
  // system: the sweeper returns a dispatch nobody accepted after queues.maxRedrives dead-letter redrives.
  return: { roles: ["department", "system"], from: ["dispatched", "accepted"] },
  assign: { roles: ["dispatcher"], from: ["triage"] },
  verify: { roles: ["dispatcher"], from: ["resolved"] },
  reject: { roles: ["dispatcher"], from: ["received", "triage"] },
  merge: { roles: ["dispatcher", "system"], from: ["received", "triage"] },
  reopen: { roles: ["dispatcher", "operator"], from: ["closed"] },
  extend: { roles: ["department", "grid-worker"], from: ["dispatched", "accepted"] },
  "approve-extension": { roles: ["dispatcher"], from: ["dispatched", "accepted"] },
  "refuse-extension": { roles: ["dispatcher"], from: ["dispatched", "accepted"] },
  warn: { roles: ["system"], from: ["dispatched", "accepted"] },
  urge: { roles: ["system"], from: ["dispatched", "accepted"] },
  escalate: { roles: ["system", "dispatcher"], from: ["received", "triage", "dispatched", "accepted"] },
  // The reporter's own verification, recorded by their channel's gateway or, for a hotline caller, an operator.
  confirm: { roles: ["channel", "operator"], from: ["resolved"] },
  "callback-open": { roles: ["system"], from: ["closed"] },
  "callback-attempt": { roles: ["operator"], from: ["closed"] },
  "callback-end": { roles: ["operator", "system"], from: ["closed"] },
  // A resident rating through a signed link acts as `system` (no key); WeChat through its gateway; operators by phone.
  rate: { roles: ["operator", "channel", "system"], from: ["closed"] },
  "handle-on-site": { roles: ["grid-worker"], from: ["received"] },
  // system: a small matter not accepted in time goes up to the street office at the sweep
  "hand-up": { roles: ["grid-worker", "system"], from: ["dispatched", "accepted"] },
  "co-accept": { roles: ["department"], from: ["dispatched", "accepted"] },
  "co-report": { roles: ["department"], from: ["dispatched", "accepted"] },
  forward: { roles: ["system"], from: ["triage"] },
  "judge-return": {
    roles: ["dispatcher"],
    from: ["received", "triage", "dispatched", "accepted", "resolved", "closed", "merged", "rejected"],
  },
  "keep-separate": { roles: ["dispatcher"], from: ["triage"] },
  unmerge: { roles: ["dispatcher"], from: ["merged"] },
};

/** Starts a new round of handling: fresh deadlines, supervision from the start, no overdue facts. */
function refreshDeadlines(next: Ticket, d: Deadlines): void {
  next.dueAt = d.dueAt;
  next.acceptDueAt = d.acceptDueAt;
  next.supervision = { accept: "none", resolve: "none" };
  next.overdue = { accept: null, resolve: null };
  next.extension = null;
}

/**
 * 重办: a closed ticket goes back to its department with fresh deadlines and no verification; the callbacks
 * still open are superseded (the reopening by the dispatcher and the unsatisfied rating alike).
 */
function reopenInto(next: Ticket, at: string, d: Deadlines): void {
  next.status = "dispatched";
  next.closedAt = null;
  next.resolvedAt = null;
  next.resolution = null;
  next.dispatchedAt = at;
  next.verification = { dispatcher: null, reporter: null };
  refreshDeadlines(next, d);
  next.callbacks = supersede(next.callbacks, at);
}

/** 报处分离: the principal who filed a ticket or handled it never verifies it. */
function assertSeparated(ticket: Ticket, actor: Actor): void {
  const involved = ticket.history.some(
    (e, i) => (i === 0 || ["accept", "progress", "resolve"].includes(e.type)) && e.actor === actor.id,
  );
  if (involved) {
    throw new ForbiddenError(
      "报处分离：提交或办理该工单的人员不能核查它 / whoever filed or handled a ticket cannot verify it",
    );
  }
}

function callbackIn(ticket: Ticket, id: string): CallbackSummary {
  const cb = ticket.callbacks.find((c) => c.id === id);
  if (!cb) throw new ValidationError("回访不属于该工单 / no such callback on this ticket", "callbackId");
  if (cb.status !== "pending") throw new ConflictError("该回访已结束 / this callback is already answered");
  return cb;
}

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
  // 小事一格解决: while a grid cell's workers handle a ticket, only they act on it — but its street office may
  // take it over by accepting it itself (a grid worker who does not come).
  if (actor.role === "grid-worker" && command.type !== "handle-on-site") {
    if (!ticket.handlingGrid || ticket.handlingGrid !== actor.grid)
      throw new ForbiddenError("该工单不由本网格办理 / this ticket is not handled by your grid cell");
  } else if (actor.role === "department" && ticket.handlingGrid && !CO_COMMANDS.has(command.type)) {
    if (command.type !== "accept")
      throw new ForbiddenError(
        "该工单由网格员办理，街道可签收接手 / the grid worker handles this ticket; the street office may accept it to take over",
      );
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
      next.handlingGrid = command.type === "dispatch" && command.grid ? command.grid : null;
      next.dispatchedAt = at;
      refreshDeadlines(next, {
        dueAt: command.dueAt,
        acceptDueAt: command.type === "dispatch" ? (command.acceptDueAt ?? null) : null,
      });
      data = { department: command.department, dueAt: command.dueAt, acceptDueAt: next.acceptDueAt };
      if (next.handlingGrid) data.grid = next.handlingGrid;
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
      if (ticket.handlingGrid) {
        if (actor.role === "department") {
          // the street office takes the small matter over from its grid worker
          next.handlingGrid = null;
          data = { takenOverFrom: ticket.handlingGrid };
        } else data = { grid: ticket.handlingGrid };
      }
      break;
    case "hand-up":
      note = required(command.reason, "reason");
      data = { grid: ticket.handlingGrid, to: command.department ? "street-office" : "triage" };
      next.handlingGrid = null;
      next.coHandlers = [];
      if (command.department) {
        next.status = "dispatched";
        next.department = command.department;
        next.dispatchedAt = at;
        data.department = command.department;
        refreshDeadlines(next, { dueAt: command.dueAt, acceptDueAt: command.acceptDueAt ?? null });
      } else {
        next.status = "triage";
        next.department = null;
        refreshDeadlines(next, { dueAt: null, acceptDueAt: null });
      }
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
      next.handlingGrid = null;
      refreshDeadlines(next, { dueAt: null, acceptDueAt: null });
      next.coHandlers = [];
      break;
    }
    case "assign":
      next.status = "dispatched";
      next.department = command.department;
      next.handlingGrid = null;
      next.dispatchedAt = at;
      refreshDeadlines(next, {
        dueAt: command.dueAt,
        acceptDueAt: command.acceptDueAt ?? null,
      });
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
    case "judge-return": {
      const target = (ticket.returns ?? []).find((r) => r.seq === command.seq);
      if (!target) throw new ValidationError("没有该退单记录 / no such return", "seq");
      next.returns = (ticket.returns ?? []).map((r) =>
        r.seq === command.seq ? { ...r, wrong: command.wrong } : r,
      );
      note = command.note?.trim() || undefined;
      // `previous`: the statistics (退单率) count a re-judged return once.
      data = {
        seq: command.seq,
        department: target.department,
        wrong: command.wrong,
        previous: target.wrong,
      };
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
        next.handlingGrid = command.grid ?? null;
        next.dispatchedAt = at;
        next.dueAt = command.dueAt;
        next.coHandlers = coHandlersFrom(command.coHandlers, command.department);
        data = { department: command.department, dueAt: command.dueAt };
        if (command.grid) data.grid = command.grid;
      } else {
        next.status = "triage";
      }
      break;
    case "verify":
    case "confirm": {
      const mode = command.mode ?? "dispatcher";
      const by = command.type === "verify" ? "dispatcher" : "reporter";
      if (command.type === "verify") assertSeparated(ticket, actor);
      if (mode !== "both" && mode !== by) {
        throw new DomainError(
          "illegal_transition",
          by === "dispatcher"
            ? "该分类由诉求人确认办结 / this category is verified by the reporter"
            : "该分类由中心核查 / this category is verified by the centre",
        );
      }
      if (ticket.verification[by] !== null) {
        throw new ConflictError("已核查过 / already verified in this round");
      }
      note = command.note?.trim() || undefined;
      next.verification = { ...ticket.verification, [by]: command.passed };
      if (!command.passed) {
        next.status = "dispatched";
        next.resolvedAt = null;
        next.resolution = null; // the failed result stays in the history
        next.verification = { dispatcher: null, reporter: null };
        next.dispatchedAt = at;
        if (command.fresh) refreshDeadlines(next, command.fresh);
        note = required(command.note, "note");
      } else if (mode !== "both" || (next.verification.dispatcher && next.verification.reporter)) {
        next.status = "closed";
        next.closedAt = at;
      }
      data = { passed: command.passed, by, mode };
      break;
    }
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
      reopenInto(next, at, { dueAt: command.dueAt, acceptDueAt: command.acceptDueAt ?? null });
      note = required(command.reason, "reason");
      break;
    case "extend": {
      if (ticket.extension) throw new ConflictError("已有待审批的延期申请 / an extension request is pending");
      note = required(command.reason, "reason");
      if (ticket.dueAt && Date.parse(command.dueAt) <= Date.parse(ticket.dueAt)) {
        throw new ValidationError(
          "延期后的时限须晚于当前时限 / the new date must be after the current deadline",
          "dueAt",
        );
      }
      next.extension = { requestedAt: at, by: actor.id, reason: note, dueAt: command.dueAt };
      data = { dueAt: command.dueAt, previousDueAt: ticket.dueAt };
      break;
    }
    case "approve-extension":
    case "refuse-extension": {
      const req = ticket.extension;
      if (!req)
        throw new DomainError("illegal_transition", "没有待审批的延期申请 / no extension request is pending");
      next.extension = null;
      if (command.type === "approve-extension") {
        note = command.note?.trim() || undefined;
        next.dueAt = req.dueAt;
        next.supervision = { ...ticket.supervision, resolve: "none" };
        next.overdue = { ...ticket.overdue, resolve: null };
      } else {
        note = required(command.reason, "reason");
      }
      data = { dueAt: req.dueAt, previousDueAt: ticket.dueAt, requestedBy: req.by };
      break;
    }
    case "warn":
      next.supervision = { ...ticket.supervision, [command.deadline]: "warned" };
      data = { deadline: command.deadline, dueAt: deadlineOf(ticket, command.deadline) };
      break;
    case "urge":
      next.supervision = { ...ticket.supervision, [command.deadline]: "urged" };
      next.overdue = { ...ticket.overdue, [command.deadline]: at };
      data = { deadline: command.deadline, dueAt: deadlineOf(ticket, command.deadline) };
      break;
    case "escalate":
      if (command.deadline) next.supervision = { ...ticket.supervision, [command.deadline]: "escalated" };
      next.escalatedAt = ticket.escalatedAt ?? at;
      note = command.note?.trim() || undefined;
      data = { reason: command.reason, ...(command.deadline ? { deadline: command.deadline } : {}) };
      break;
    case "callback-open":
      next.callbacks = [...ticket.callbacks, ...command.callbacks];
      data = { callbacks: command.callbacks.map((c) => ({ id: c.id, channel: c.channel })) };
      break;
    case "callback-attempt": {
      const cb = callbackIn(ticket, command.callbackId);
      next.callbacks = ticket.callbacks.map((c) => (c.id === cb.id ? { ...c, attempts: c.attempts + 1 } : c));
      note = command.note?.trim() || undefined;
      data = { callbackId: cb.id, reached: false, attempt: cb.attempts + 1 };
      break;
    }
    case "callback-end": {
      const cb = callbackIn(ticket, command.callbackId);
      next.callbacks = ticket.callbacks.map((c) =>
        c.id === cb.id
          ? { ...c, status: "unrated" as const, answeredAt: at, endedBecause: command.because }
          : c,
      );
      data = { callbackId: cb.id, because: command.because };
      break;
    }
    case "rate": {
      const cb = callbackIn(ticket, command.callbackId);
      const comment = command.comment?.trim() || undefined;
      next.callbacks = ticket.callbacks.map((c) =>
        c.id === cb.id
          ? {
              ...c,
              status: "rated" as const,
              rating: command.rating,
              answeredAt: at,
              ...(comment ? { comment } : {}),
            }
          : c,
      );
      next.satisfaction = command.rating;
      note = comment;
      data = { callbackId: cb.id, rating: command.rating, reopened: !!command.reopen };
      if (command.reopen) {
        // 重办: back to the same department with the resident's comment and fresh deadlines.
        reopenInto(next, at, command.reopen);
        note = comment ?? `回访不满意（${command.rating} 分）/ unsatisfied callback`;
      }
      break;
    }
    case "handle-on-site":
      next.status = "closed";
      next.resolvedAt = at;
      next.closedAt = at;
      next.resolution = { result: required(command.result, "result"), evidence: command.evidence };
      note = next.resolution.result;
      data = { onSite: true, ...(command.evidence.length ? { evidence: command.evidence.length } : {}) };
      break;
  }

  // A move into a queued state needs a delivery; a step that stays there (extend, warn, urge, co-handling…)
  // keeps an undelivered mark.
  // A hand-up from `dispatched` stays `dispatched` but now waits in the street office's queue: always a delivery.
  next.dispatchPending =
    (SAME_STATE_KEEPS_PENDING.has(command.type) && ticket.dispatchPending) ||
    (QUEUED_STATES.has(next.status) &&
      (next.status !== ticket.status || ticket.dispatchPending || command.type === "hand-up"));
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

function deadlineOf(ticket: Ticket, d: DeadlineKind): string | null {
  return d === "accept" ? ticket.acceptDueAt : ticket.dueAt;
}

/** Callbacks still open when the ticket is reopened end: the next closure asks again. */
function supersede(callbacks: readonly CallbackSummary[], at: string): CallbackSummary[] {
  return callbacks.map((c) =>
    c.status === "pending"
      ? { ...c, status: "unrated" as const, answeredAt: at, endedBecause: "superseded" as const }
      : c,
  );
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
    | keyof typeof CLOSURE_DEFAULTS
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
    ...closureDefaults(),
    version: 1,
    history: [{ seq: 0, at, actor: actor.id, role: actor.role, type: "create", from: null, to: "received" }],
  };
}
