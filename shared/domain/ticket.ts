import * as z from "zod";

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

const trimmed = (max: number) => z.string().trim().min(1).max(max);

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

/** Mainland mobile or landline digits (a mobile without its +86), masked in every log line. */
export const Phone = z
  .string()
  .trim()
  .transform((s) => s.replace(/[\s-]/g, ""))
  .pipe(z.string().regex(/^\+?\d{5,20}$/, "电话号码格式不正确 / not a phone number"))
  // One form per mainland mobile, so that a caller's tickets are found whichever way the number was typed.
  .transform((s) => s.replace(/^(?:\+86|0086|86)(1\d{10})$/, "$1"));

export const Reporter = z.object({
  name: trimmed(100).optional(),
  phone: Phone.optional(),
  channelUserId: trimmed(200).optional(),
  anonymous: z.boolean().default(false),
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

export const Ticket = z.object({
  id: z.string(),
  ticketNo: z.string(),
  channel: Channel,
  requestType: RequestType,
  title: trimmed(200),
  description: trimmed(5000),
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
  resolution: z.object({ result: z.string(), evidence: z.array(Attachment) }).nullable(),
  closeReason: z.string().nullable(),
  /** Set while the ticket's current queue delivery has not been confirmed (no-loss outbox). */
  dispatchPending: z.boolean(),
  version: z.number().int().positive(),
  history: z.array(HistoryEvent),
});
export type Ticket = z.infer<typeof Ticket>;

/** What a hotline operator (or any channel adapter) submits to create a ticket. */
export const CreateTicketInput = z.object({
  requestType: RequestType.default("complaint"),
  title: trimmed(200),
  description: trimmed(5000),
  categoryId: trimmed(64).optional(),
  location: Location,
  reporter: Reporter,
  attachments: z.array(Attachment).max(20).default([]),
  urgency: Urgency.default("normal"),
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
});
export type QueueMessage = z.infer<typeof QueueMessage>;
