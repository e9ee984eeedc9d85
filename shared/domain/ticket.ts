import * as z from "zod";
import {
  CallbackSummary,
  ExtensionRequest,
  Overdue,
  Rating,
  Supervision,
  Verification,
} from "../closure/schema.js";
import { Phone } from "./phone.js";
import { text } from "./text.js";

export { Phone } from "./phone.js";

/** 渠道 */
export const Channel = z.enum(["hotline", "wechat", "web", "open311", "grid"]);
export type Channel = z.infer<typeof Channel>;

/** 诉求类型 */
export const RequestType = z.enum(["complaint", "help", "inquiry", "suggestion", "report", "praise"]);
export type RequestType = z.infer<typeof RequestType>;

export const Urgency = z.enum(["urgent", "high", "normal", "low"]);
export type Urgency = z.infer<typeof Urgency>;

/** Ticket lifecycle states (DESIGN.md §3). */
export const TicketStatus = z.enum([
  "received",
  "triage",
  "dispatched",
  "accepted",
  "resolved",
  "closed",
  "merged",
  "rejected",
]);
export type TicketStatus = z.infer<typeof TicketStatus>;

/**
 * Principal roles (DESIGN.md §6): `channel` is a gateway bound to one channel (the WeChat bot, the Official
 * Account callback, an Open311 client app); `grid-worker` is a 网格员 bound to one grid cell.
 */
export const Role = z.enum(["system", "operator", "dispatcher", "department", "channel", "grid-worker"]);
export type Role = z.infer<typeof Role>;

/** Text a person typed, under the shared rule (shared/domain/text.ts): single-line unless `multiline`. */
const trimmed = (max: number, multiline = false) => text(max, { multiline });

/** 区域路径: district 区 / street 街道 / community 社区 / grid 网格 (ids from the city configuration). */
export const AreaPath = z.object({
  district: trimmed(64).optional(),
  street: trimmed(64).optional(),
  community: trimmed(64).optional(),
  grid: trimmed(64).optional(),
});
export type AreaPath = z.infer<typeof AreaPath>;

/** How `location.area` was found: a point in a grid polygon, the caller's own area, names in the address, or not. */
export const AreaSource = z.enum(["point", "address", "given", "none"]);
export type AreaSource = z.infer<typeof AreaSource>;

export const Location = z.object({
  address: trimmed(500),
  lat: z.number().min(-90).max(90).optional(),
  lng: z.number().min(-180).max(180).optional(),
  area: AreaPath.optional(),
  /** Set by intake (shared/routing/area.ts); absent on tickets stored before it existed. */
  areaSource: AreaSource.optional(),
});
export type Location = z.infer<typeof Location>;

export const Reporter = z.object({
  name: trimmed(100).optional(),
  phone: Phone.optional(),
  channelUserId: trimmed(200).optional(),
  anonymous: z.boolean().default(false),
  /** 保密: the reporter asked that no department see who they are (the centre still does, to call back). */
  confidential: z.boolean().optional(),
});
export type Reporter = z.infer<typeof Reporter>;

export const Attachment = z.object({
  ref: trimmed(1000),
  kind: z.enum(["photo", "video", "audio", "document"]).default("photo"),
  name: trimmed(200).optional(),
});
export type Attachment = z.infer<typeof Attachment>;

export const Suggestion = z.object({ label: z.string(), confidence: z.number().min(0).max(1) });

export const HistoryEvent = z.object({
  seq: z.number().int().nonnegative(),
  at: z.iso.datetime(),
  actor: z.string(),
  role: Role,
  type: z.string(),
  from: TicketStatus.nullable(),
  to: TicketStatus,
  note: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type HistoryEvent = z.infer<typeof HistoryEvent>;

/** 协办: one co-handling department's own steps on a ticket (accept 签收, then report 反馈). */
export const CoHandler = z.object({
  department: z.string(),
  status: z.enum(["dispatched", "accepted", "reported"]),
  dueAt: z.iso.datetime().nullable(),
  acceptedAt: z.iso.datetime().nullable(),
  reportedAt: z.iso.datetime().nullable(),
  result: z.string().nullable(),
});
export type CoHandler = z.infer<typeof CoHandler>;

/** 退单理由: not ours (names who is), more information needed, a duplicate (names the ticket), other. */
export const ReturnCode = z.enum(["not_ours", "need_info", "duplicate", "other"]);
export type ReturnCode = z.infer<typeof ReturnCode>;

/** One return (退单) as the dispatcher sees it; `wrong` when the dispatcher judged it unjustified. */
export const ReturnRecord = z.object({
  seq: z.number().int().nonnegative(),
  at: z.iso.datetime(),
  department: z.string(),
  code: ReturnCode,
  note: z.string(),
  suggestedDepartment: z.string().nullable(),
  duplicateOf: z.string().nullable(),
  wrong: z.boolean().nullable(),
});
export type ReturnRecord = z.infer<typeof ReturnRecord>;

/** A likely repeat found at intake (重复工单), flagged for the dispatcher to merge or keep separate. */
export const DuplicateCandidate = z.object({ ticketId: z.string(), ticketNo: z.string(), score: z.number() });
export type DuplicateCandidate = z.infer<typeof DuplicateCandidate>;

export const Ticket = z.object({
  id: z.string(),
  ticketNo: z.string(),
  channel: Channel,
  requestType: RequestType,
  title: trimmed(200),
  description: trimmed(5000, true),
  categoryId: z.string().nullable(),
  categorySource: z.enum(["explicit", "suggested", "dispatcher"]).nullable(),
  suggestion: Suggestion.extend({ categoryId: z.string().nullable() }).nullable(),
  location: Location,
  reporter: Reporter,
  attachments: z.array(Attachment),
  urgency: Urgency,
  status: TicketStatus,
  department: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  dispatchedAt: z.iso.datetime().nullable(),
  dueAt: z.iso.datetime().nullable(),
  resolvedAt: z.iso.datetime().nullable(),
  closedAt: z.iso.datetime().nullable(),
  returnCount: z.number().int().nonnegative(),
  parentId: z.string().nullable(),
  /** How many repeat reports were merged into this ticket (counted by the merge's own transaction). */
  mergedChildren: z.number().int().nonnegative().optional(),
  resolution: z.object({ result: z.string(), evidence: z.array(Attachment) }).nullable(),
  closeReason: z.string().nullable(),
  /** 协办单位 and their own steps; absent on tickets stored before co-handling existed. */
  coHandlers: z.array(CoHandler).optional(),
  /** Every return (退单) with its reason code, oldest first. */
  returns: z.array(ReturnRecord).optional(),
  /** When a `not_ours` return was forwarded straight to the named department (happens once per ticket). */
  forwardedAt: z.iso.datetime().nullable().optional(),
  /** Likely repeats found at intake, until the dispatcher merges or keeps the ticket separate. */
  duplicateCandidates: z.array(DuplicateCandidate).optional(),
  /** MinHash signature of the ticket's text (shared/routing/dedup), for finding repeats. */
  textSignature: z.string().optional(),
  /** The repeat key (shared/routing/dedup dedupPartition: area + top-level category) kept while open. */
  dedupKey: z.string().optional(),
  /**
   * A report placed only to its community or street: the basic cells (`<community>/<grid>`) it is also indexed
   * under while open, so that a later report placed to one of those cells meets it (shared/routing/dedup).
   */
  dedupCells: z.array(z.string()).optional(),
  /**
   * 小事一格解决 to the grid worker: the grid cell (full path) whose grid workers handle the ticket; `department`
   * is then the street office answerable for it, which gets no queue message while the grid handles it.
   */
  handlingGrid: z.string().nullable().optional(),
  /** Set while the ticket's current queue delivery has not been confirmed (no-loss outbox). */
  dispatchPending: z.boolean(),
  /** The Amazon Connect contact id of the call the operator filed it on (hotline only). */
  contactId: z.string().optional(),
  version: z.number().int().positive(),
  history: z.array(HistoryEvent),
  // The closure loop (shared/closure): all defaulted, so tickets stored before it still parse.
  /** 签收时限: when the department must have accepted (dueAt is the resolve deadline 办结时限). */
  acceptDueAt: z.iso.datetime().nullable().default(null),
  overdue: Overdue.default({ accept: null, resolve: null }),
  supervision: Supervision.default({ accept: "none", resolve: "none" }),
  /** Escalated to the centre (升级 / 联合处置): long overdue (`escalate` reason "overdue") or returned too often. */
  escalatedAt: z.iso.datetime().nullable().default(null),
  /** A department's pending extension request (延期). */
  extension: ExtensionRequest.nullable().default(null),
  verification: Verification.default({ dispatcher: null, reporter: null }),
  /** 回访: one per reporter after closure (the reporters of merged tickets too). */
  callbacks: z.array(CallbackSummary).default([]),
  /** The latest satisfaction rating 1–5 a callback recorded. */
  satisfaction: Rating.nullable().default(null),
});
export type Ticket = z.infer<typeof Ticket>;

/** What a hotline operator (or any channel adapter) submits to create a ticket. */
export const CreateTicketInput = z.object({
  requestType: RequestType.default("complaint"),
  title: trimmed(200),
  description: trimmed(5000, true),
  categoryId: trimmed(64).optional(),
  location: Location,
  reporter: Reporter,
  attachments: z.array(Attachment).max(20).default([]),
  urgency: Urgency.default("normal"),
  /** Amazon Connect contact id of the call (operators). */
  contactId: trimmed(128).optional(),
  /** 代办: the filer (operator, grid worker) files for the resident named in `reporter`. */
  onBehalf: z.boolean().optional(),
});
export type CreateTicketInput = z.infer<typeof CreateTicketInput>;

/** The message a department queue carries. Consumers key idempotency on (ticketId, version). */
export const QueueMessage = z.object({
  ticketId: z.string(),
  ticketNo: z.string(),
  version: z.number().int().positive(),
  department: z.string(),
  status: TicketStatus,
  categoryId: z.string().nullable(),
  title: z.string(),
  urgency: Urgency,
  dueAt: z.iso.datetime().nullable(),
  /** Set on supervision messages: a warning (80 %), an urge 督办 (100 %) or an escalation to the centre. */
  notice: z.enum(["warn", "urge", "escalate"]).optional(),
  /** Which deadline a supervision notice is about. */
  deadline: z.enum(["accept", "resolve"]).optional(),
});
export type QueueMessage = z.infer<typeof QueueMessage>;
