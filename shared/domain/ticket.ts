import * as z from "zod/mini";
import {
  CallbackSummary,
  ExtensionRequest,
  Overdue,
  Rating,
  Supervision,
  Verification,
} from "../closure/schema.js";
import "../zod.js";
import { Phone } from "./phone.js";
import { text } from "./text.js";

export { Phone } from "./phone.js";

/** 渠道 */
export const Channel = /* @__PURE__ */ (() => z.enum(["hotline", "wechat", "web", "open311", "grid"]))();
export type Channel = z.infer<typeof Channel>;

/** 诉求类型 */
export const RequestType = /* @__PURE__ */ (() =>
  z.enum(["complaint", "help", "inquiry", "suggestion", "report", "praise"]))();
export type RequestType = z.infer<typeof RequestType>;

export const Urgency = /* @__PURE__ */ (() => z.enum(["urgent", "high", "normal", "low"]))();
export type Urgency = z.infer<typeof Urgency>;

/** Ticket lifecycle states (DESIGN.md §3). */
export const TicketStatus = /* @__PURE__ */ (() =>
  z.enum(["received", "triage", "dispatched", "accepted", "resolved", "closed", "merged", "rejected"]))();
export type TicketStatus = z.infer<typeof TicketStatus>;

/**
 * Principal roles (DESIGN.md §6): `channel` is a gateway bound to one channel (the WeChat bot, the Official
 * Account callback, an Open311 client app); `grid-worker` is a 网格员 bound to one grid cell.
 */
export const Role = /* @__PURE__ */ (() =>
  z.enum(["system", "operator", "dispatcher", "department", "channel", "grid-worker"]))();
export type Role = z.infer<typeof Role>;

/** Text a person typed, under the shared rule (shared/domain/text.ts): single-line unless `multiline`. */
const trimmed = (max: number, multiline = false) => text(max, { multiline });

/** 区域路径: district 区 / street 街道 / community 社区 / grid 网格 (ids from the city configuration). */
export const AreaPath = /* @__PURE__ */ (() =>
  z.object({
    district: z.optional(trimmed(64)),
    street: z.optional(trimmed(64)),
    community: z.optional(trimmed(64)),
    grid: z.optional(trimmed(64)),
  }))();
export type AreaPath = z.infer<typeof AreaPath>;

/** How `location.area` was found: a point in a grid polygon, the caller's own area, names in the address, or not. */
export const AreaSource = /* @__PURE__ */ (() => z.enum(["point", "address", "given", "none"]))();
export type AreaSource = z.infer<typeof AreaSource>;

export const Location = /* @__PURE__ */ (() =>
  z.object({
    address: trimmed(500),
    lat: z.optional(z.number().check(z.gte(-90), z.lte(90))),
    lng: z.optional(z.number().check(z.gte(-180), z.lte(180))),
    area: z.optional(AreaPath),
    /** Set by intake (shared/routing/area.ts); absent on tickets stored before it existed. */
    areaSource: z.optional(AreaSource),
  }))();
export type Location = z.infer<typeof Location>;

export const Reporter = /* @__PURE__ */ (() =>
  z.object({
    name: z.optional(trimmed(100)),
    phone: z.optional(Phone),
    channelUserId: z.optional(trimmed(200)),
    anonymous: z._default(z.boolean(), false),
    /** 保密: the reporter asked that no department see who they are (the centre still does, to call back). */
    confidential: z.optional(z.boolean()),
  }))();
export type Reporter = z.infer<typeof Reporter>;

export const Attachment = /* @__PURE__ */ (() =>
  z.object({
    ref: trimmed(1000),
    kind: z._default(z.enum(["photo", "video", "audio", "document"]), "photo"),
    name: z.optional(trimmed(200)),
  }))();
export type Attachment = z.infer<typeof Attachment>;

export const Suggestion = /* @__PURE__ */ (() =>
  z.object({ label: z.string(), confidence: z.number().check(z.gte(0), z.lte(1)) }))();

export const HistoryEvent = /* @__PURE__ */ (() =>
  z.object({
    seq: z.number().check(z.int(), z.nonnegative()),
    at: z.iso.datetime(),
    actor: z.string(),
    role: Role,
    type: z.string(),
    from: z.nullable(TicketStatus),
    to: TicketStatus,
    note: z.optional(z.string()),
    data: z.optional(z.record(z.string(), z.unknown())),
  }))();
export type HistoryEvent = z.infer<typeof HistoryEvent>;

/** 协办: one co-handling department's own steps on a ticket (accept 签收, then report 反馈). */
export const CoHandler = /* @__PURE__ */ (() =>
  z.object({
    department: z.string(),
    status: z.enum(["dispatched", "accepted", "reported"]),
    dueAt: z.nullable(z.iso.datetime()),
    acceptedAt: z.nullable(z.iso.datetime()),
    reportedAt: z.nullable(z.iso.datetime()),
    result: z.nullable(z.string()),
  }))();
export type CoHandler = z.infer<typeof CoHandler>;

/** 退单理由: not ours (names who is), more information needed, a duplicate (names the ticket), other. */
export const ReturnCode = /* @__PURE__ */ (() => z.enum(["not_ours", "need_info", "duplicate", "other"]))();
export type ReturnCode = z.infer<typeof ReturnCode>;

/** One return (退单) as the dispatcher sees it; `wrong` when the dispatcher judged it unjustified. */
export const ReturnRecord = /* @__PURE__ */ (() =>
  z.object({
    seq: z.number().check(z.int(), z.nonnegative()),
    at: z.iso.datetime(),
    department: z.string(),
    code: ReturnCode,
    note: z.string(),
    suggestedDepartment: z.nullable(z.string()),
    duplicateOf: z.nullable(z.string()),
    wrong: z.nullable(z.boolean()),
  }))();
export type ReturnRecord = z.infer<typeof ReturnRecord>;

/** A likely repeat found at intake (重复工单), flagged for the dispatcher to merge or keep separate. */
export const DuplicateCandidate = /* @__PURE__ */ (() =>
  z.object({ ticketId: z.string(), ticketNo: z.string(), score: z.number() }))();
export type DuplicateCandidate = z.infer<typeof DuplicateCandidate>;

export const Ticket = /* @__PURE__ */ (() =>
  z.object({
    id: z.string(),
    ticketNo: z.string(),
    channel: Channel,
    requestType: RequestType,
    title: trimmed(200),
    description: trimmed(5000, true),
    categoryId: z.nullable(z.string()),
    categorySource: z.nullable(z.enum(["explicit", "suggested", "dispatcher"])),
    suggestion: z.nullable(z.extend(Suggestion, { categoryId: z.nullable(z.string()) })),
    location: Location,
    reporter: Reporter,
    attachments: z.array(Attachment),
    urgency: Urgency,
    status: TicketStatus,
    department: z.nullable(z.string()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    dispatchedAt: z.nullable(z.iso.datetime()),
    dueAt: z.nullable(z.iso.datetime()),
    resolvedAt: z.nullable(z.iso.datetime()),
    closedAt: z.nullable(z.iso.datetime()),
    returnCount: z.number().check(z.int(), z.nonnegative()),
    parentId: z.nullable(z.string()),
    /** How many repeat reports were merged into this ticket (counted by the merge's own transaction). */
    mergedChildren: z.optional(z.number().check(z.int(), z.nonnegative())),
    resolution: z.nullable(z.object({ result: z.string(), evidence: z.array(Attachment) })),
    closeReason: z.nullable(z.string()),
    /** 协办单位 and their own steps; absent on tickets stored before co-handling existed. */
    coHandlers: z.optional(z.array(CoHandler)),
    /** Every return (退单) with its reason code, oldest first. */
    returns: z.optional(z.array(ReturnRecord)),
    /** When a `not_ours` return was forwarded straight to the named department (happens once per ticket). */
    forwardedAt: z.optional(z.nullable(z.iso.datetime())),
    /** Likely repeats found at intake, until the dispatcher merges or keeps the ticket separate. */
    duplicateCandidates: z.optional(z.array(DuplicateCandidate)),
    /** MinHash signature of the ticket's text (shared/routing/dedup), for finding repeats. */
    textSignature: z.optional(z.string()),
    /** The repeat index partition (area + top-level category) the ticket is kept in while open. */
    dedupKey: z.optional(z.string()),
    /**
     * A report placed only to its community or street: the basic cells (`<community>/<grid>`) it is also indexed
     * under while open, so that a later report placed to one of those cells meets it (shared/routing/dedup).
     */
    dedupCells: z.optional(z.array(z.string())),
    /**
     * A report placed to a cell and known only to its top-level category: the categories below that top it is also
     * indexed under in its cell while open, so that a later report of one of them meets it (shared/routing/dedup).
     */
    dedupLeaves: z.optional(z.array(z.string())),
    /**
     * 小事一格解决 to the grid worker: the grid cell (full path) whose grid workers handle the ticket; `department`
     * is then the street office answerable for it, which gets no queue message while the grid handles it.
     */
    handlingGrid: z.optional(z.nullable(z.string())),
    /** Set while the ticket's current queue delivery has not been confirmed (no-loss outbox). */
    dispatchPending: z.boolean(),
    /** The Amazon Connect contact id of the call the operator filed it on (hotline only). */
    contactId: z.optional(z.string()),
    version: z.number().check(z.int(), z.positive()),
    history: z.array(HistoryEvent),
    // The closure loop (shared/closure): all defaulted, so tickets stored before it still parse.
    /** 签收时限: when the department must have accepted (dueAt is the resolve deadline 办结时限). */
    acceptDueAt: z._default(z.nullable(z.iso.datetime()), null),
    overdue: z._default(Overdue, { accept: null, resolve: null }),
    supervision: z._default(Supervision, { accept: "none", resolve: "none" }),
    /** Escalated to the centre (升级 / 联合处置): long overdue (`escalate` reason "overdue") or returned too often. */
    escalatedAt: z._default(z.nullable(z.iso.datetime()), null),
    /** A department's pending extension request (延期). */
    extension: z._default(z.nullable(ExtensionRequest), null),
    verification: z._default(Verification, { dispatcher: null, reporter: null }),
    /** 回访: one per reporter after closure (the reporters of merged tickets too). */
    callbacks: z._default(z.array(CallbackSummary), []),
    /** The latest satisfaction rating 1–5 a callback recorded. */
    satisfaction: z._default(z.nullable(Rating), null),
  }))();
export type Ticket = z.infer<typeof Ticket>;

/** What a hotline operator (or any channel adapter) submits to create a ticket. */
export const CreateTicketInput = /* @__PURE__ */ (() =>
  z.object({
    requestType: z._default(RequestType, "complaint"),
    title: trimmed(200),
    description: trimmed(5000, true),
    categoryId: z.optional(trimmed(64)),
    location: Location,
    reporter: Reporter,
    attachments: z._default(z.array(Attachment).check(z.maxLength(20)), []),
    urgency: z._default(Urgency, "normal"),
    /** Amazon Connect contact id of the call (operators). */
    contactId: z.optional(trimmed(128)),
    /** 代办: the filer (operator, grid worker) files for the resident named in `reporter`. */
    onBehalf: z.optional(z.boolean()),
  }))();
export type CreateTicketInput = z.infer<typeof CreateTicketInput>;

/** The message a department queue carries. Consumers key idempotency on (ticketId, version). */
export const QueueMessage = /* @__PURE__ */ (() =>
  z.object({
    ticketId: z.string(),
    ticketNo: z.string(),
    version: z.number().check(z.int(), z.positive()),
    department: z.string(),
    status: TicketStatus,
    categoryId: z.nullable(z.string()),
    title: z.string(),
    urgency: Urgency,
    dueAt: z.nullable(z.iso.datetime()),
    /** Set on supervision messages: a warning (80 %), an urge 督办 (100 %) or an escalation to the centre. */
    notice: z.optional(z.enum(["warn", "urge", "escalate"])),
    /** Which deadline a supervision notice is about. */
    deadline: z.optional(z.enum(["accept", "resolve"])),
  }))();
export type QueueMessage = z.infer<typeof QueueMessage>;
