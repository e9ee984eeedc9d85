import { createHash } from "node:crypto";
import { ConflictError, fromZodIssues, ValidationError } from "../domain/errors.js";
import { type Actor, newTicket, transition } from "../domain/lifecycle.js";
import { type Attachment, type Channel, CreateTicketInput, type Ticket } from "../domain/ticket.js";
import { enqueueNotifications } from "../notify/service.js";
import type { SaveCondition } from "../ports.js";
import { routeNow } from "../routing/assign.js";
import {
  dedupPartition,
  findRepeat,
  type RepeatFinding,
  repeatArea,
  repeatCells,
  repeatLeaves,
  textSignature,
} from "../routing/dedup/index.js";
import type { Core } from "./context.js";
import { deliver } from "./delivery.js";

export const SYSTEM: Actor = { id: "system", role: "system" };

/**
 * A merge's parent must still be open when the merge commits (the dispatcher's and the intake's automatic one):
 * checked inside the write's transaction, which also raises the parent's child count.
 */
export function parentStillOpen(parentId: string): SaveCondition {
  return { ticketId: parentId, statusNotIn: ["closed", "rejected", "merged"], countChild: true };
}

export interface CreateResult {
  ticket: Ticket;
  created: boolean;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Local calendar day of the city, "YYYYMMDD". */
export function cityDay(now: Date, offsetMinutes: number): string {
  return new Date(now.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 10).replaceAll("-", "");
}

/** Picks the category: an explicit one always wins; otherwise the classifier's best guess above the threshold. */
export function chooseCategory(core: Core, input: CreateTicketInput) {
  if (input.categoryId) {
    if (!core.categories.has(input.categoryId)) {
      throw new ValidationError(
        `未知分类 ${input.categoryId} / unknown category ${input.categoryId}`,
        "categoryId",
      );
    }
    return { categoryId: input.categoryId, source: "explicit" as const, suggestion: null };
  }
  const suggestion = core.classifier?.suggest(`${input.title}\n${input.description}`) ?? null;
  if (!suggestion) return { categoryId: null, source: null, suggestion: null };
  if (suggestion.categoryId && suggestion.confidence >= core.config.classifier.threshold) {
    return { categoryId: suggestion.categoryId, source: "suggested" as const, suggestion };
  }
  return { categoryId: null, source: null, suggestion };
}

async function existingFor(core: Core, key: string, hash: string): Promise<CreateResult | null> {
  const record = await core.store.getIdempotency(key);
  if (!record) return null;
  if (record.requestHash !== hash) {
    throw new ConflictError(
      "同一幂等键已用于不同的请求 / this Idempotency-Key was already used with a different request",
      "Idempotency-Key",
    );
  }
  const ticket = await core.store.get(record.ticketId);
  if (!ticket) throw new ConflictError("幂等记录指向的工单不存在 / idempotency record without ticket");
  return { ticket, created: false };
}

/**
 * 受理: validates a report, classifies, routes and stores it with its idempotency record in one transaction,
 * then delivers it to the department's (or the triage) queue. The same key returns the same ticket.
 */
export async function createTicket(
  core: Core,
  raw: unknown,
  opts: {
    channel: Channel;
    actor: Actor;
    idempotencyKey?: string;
    /** 小事一格解决: a grid worker fixed it while filing; the ticket is closed at once (still counted). */
    onSite?: { result: string; evidence: Attachment[] };
  },
): Promise<CreateResult> {
  const parsed = CreateTicketInput.safeParse(raw);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  const input = parsed.data;
  if (!input.reporter.anonymous && !input.reporter.phone && !input.reporter.channelUserId) {
    throw new ValidationError(
      "非匿名诉求需要联系电话或渠道用户 / a phone or channel user id is required unless anonymous",
      "reporter.phone",
    );
  }
  if (input.onBehalf && opts.actor.role !== "operator" && opts.actor.role !== "grid-worker") {
    throw new ValidationError(
      "只有话务员和网格员可以代办 / only operators and grid workers may file on behalf of a resident",
      "onBehalf",
    );
  }
  const key = opts.idempotencyKey?.trim();
  if (key !== undefined && (key.length < 1 || key.length > 200)) {
    throw new ValidationError(
      "Idempotency-Key 须为 1–200 个字符 / must be 1–200 characters",
      "Idempotency-Key",
    );
  }
  const hash = createHash("sha256")
    .update(stableJson({ channel: opts.channel, input, onSite: opts.onSite }))
    .digest("hex");
  // Keys are scoped to the caller and channel: two operators' "call-0001" are different requests.
  const scopedKey = key ? `${opts.channel}:${opts.actor.id}:${key}` : undefined;
  // No idempotency read before the write: the transaction's condition on the key's record detects a replay,
  // and only then is the record read (replays are rare; every first request saves a round trip).

  const now = core.clock.now();
  const category = chooseCategory(core, input);
  const located = core.areas.locate(input.location);
  const area = located.area;
  // 重复工单: where the report is kept for repeats (a dedicated grid's report: the basic cell under its point).
  const place = repeatArea(
    core.config,
    area,
    located.source === "point" && input.location.lat !== undefined && input.location.lng !== undefined
      ? core.areas.basicCellAt(input.location.lat, input.location.lng)
      : null,
  );
  const cells = repeatCells(core.config, place);
  const leaves = repeatLeaves(core.config, place, category.categoryId);
  const day = cityDay(now, core.config.city.timezoneOffsetMinutes);
  const seq = await core.numbers.next(day);
  const received = newTicket(
    {
      id: core.newId(),
      ticketNo: `${day}-${String(seq).padStart(6, "0")}`,
      channel: opts.channel,
      requestType: input.requestType,
      title: input.title,
      description: input.description,
      categoryId: category.categoryId,
      categorySource: category.source,
      suggestion: category.suggestion,
      location: { ...input.location, area, areaSource: located.source },
      dedupKey: dedupPartition(core.config, place, category.categoryId),
      // the signature and the repeat index entries (the ticket's own, and for a coarse report its cells') serve
      // only the repeat check: none while it is switched off
      ...(core.config.dedup.enabled ? { textSignature: textSignature(input.title, input.description) } : {}),
      ...(cells.length && core.config.dedup.enabled ? { dedupCells: cells } : {}),
      ...(leaves.length && core.config.dedup.enabled ? { dedupLeaves: leaves } : {}),
      reporter: input.reporter,
      attachments: input.attachments,
      urgency: input.urgency,
      ...(input.contactId ? { contactId: input.contactId } : {}),
    },
    opts.actor,
    now,
  );
  // 重复工单: one indexed query for open tickets of the same partition, scored by MinHash similarity.
  let repeat: RepeatFinding | null = null;
  if (core.dedup && core.config.dedup.enabled) {
    repeat = await findRepeat(core.dedup, core.config.dedup, {
      partition: received.dedupKey!,
      signature: received.textSignature!,
      title: received.title,
      createdAt: received.createdAt,
      ...(input.location.lat !== undefined && input.location.lng !== undefined
        ? { lat: input.location.lat, lng: input.location.lng }
        : {}),
    });
  }
  // 代办: the history's first event records that its actor filed for the resident named as reporter.
  if (input.onBehalf && received.history[0]) received.history[0].data = { onBehalf: true };
  const route = opts.onSite ? null : routeNow(core, received, now);
  const decide = (repeat: RepeatFinding | null): ReturnType<typeof transition> => {
    let step: ReturnType<typeof transition>;
    if (opts.onSite) {
      // 小事一格解决: the grid worker fixed it while filing.
      step = transition(received, { type: "handle-on-site", ...opts.onSite }, opts.actor, now);
    } else if (repeat?.level === "auto") {
      step = transition(received, { type: "merge", parentId: repeat.best.ticketId }, SYSTEM, now);
      step.ticket.duplicateCandidates = repeat.candidates;
    } else if (repeat) {
      step = transition(
        { ...received, duplicateCandidates: repeat.candidates },
        {
          type: "triage",
          reason: `疑似重复工单 ${repeat.best.ticketNo}，请派单员判断 / possible repeat of ${repeat.best.ticketNo}`,
        },
        SYSTEM,
        now,
      );
    } else if (route) {
      step = transition(
        received,
        {
          type: "dispatch",
          department: route.department,
          ...core.deadlines.deadlines(now, received.urgency, received.categoryId),
          coHandlers: route.coHandlers,
          ...(route.grid ? { grid: route.grid } : {}),
        },
        SYSTEM,
        now,
      );
    } else {
      step = transition(
        received,
        {
          type: "triage",
          reason: received.categoryId
            ? "没有匹配的派单规则 / no routing rule matches"
            : "无法确定分类 / category unclear",
        },
        SYSTEM,
        now,
      );
    }
    return step;
  };
  let step = decide(repeat);
  const idempotency = scopedKey ? { key: scopedKey, ticketId: received.id, requestHash: hash } : null;
  // An automatic merge holds only while its parent is still open: checked (and its child count raised) in the
  // same transaction; a parent closed since the query makes this report a ticket of its own.
  const mergeInto = (t: Ticket) => (t.status === "merged" && t.parentId ? [parentStillOpen(t.parentId)] : []);
  let outcome: Awaited<ReturnType<typeof core.store.create>>;
  try {
    outcome = await core.store.create(step.ticket, idempotency, mergeInto(step.ticket));
  } catch (err) {
    if (!(err instanceof ConflictError) || step.ticket.status !== "merged") throw err;
    repeat = null;
    step = decide(null);
    outcome = await core.store.create(step.ticket, idempotency);
  }
  const { ticket } = step;
  if (outcome.outcome === "duplicate") {
    // No ticket holds this number: the process hands it out again, so replays do not use numbers up.
    core.numbers.giveBack(day, seq);
    const existing = await existingFor(core, outcome.record.key, hash);
    if (!existing) throw new ConflictError("幂等记录已失效，请重试 / idempotency record vanished; retry");
    return existing;
  }
  core.metrics.count("TicketsCreated", { channel: ticket.channel });
  core.metrics.count(ticket.status === "triage" ? "TicketsTriaged" : "TicketsRouted", {
    channel: ticket.channel,
  });
  core.log.log("info", "ticket created", {
    ticketId: ticket.id,
    ticketNo: ticket.ticketNo,
    channel: ticket.channel,
    status: ticket.status,
    department: ticket.department,
  });
  if (repeat?.level === "auto")
    await enqueueNotifications(core, ticket, step.events, { parentNo: repeat.best.ticketNo });
  if (core.dispatch === "stream") return { ticket, created: true }; // the table's stream delivers it
  const delivered = await deliver(core, ticket);
  return { ticket: delivered ? { ...ticket, dispatchPending: false } : ticket, created: true };
}
