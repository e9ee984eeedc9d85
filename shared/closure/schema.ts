import * as z from "zod/mini";
import type { Ticket } from "../domain/ticket.js";
import "../zod.js";

/**
 * The closure loop's facts on a ticket (限时办理 · 督查督办 · 核查结案 · 回访). Every field is defaulted, so that
 * tickets stored before the loop existed still read (see `withClosureDefaults`).
 */
export const DeadlineKind = /* @__PURE__ */ (() => z.enum(["accept", "resolve"]))();
export type DeadlineKind = z.infer<typeof DeadlineKind>;

/** How far supervision has gone on one deadline: warned at 80 %, urged (督办) at 100 %, then escalated. */
export const SupervisionStage = /* @__PURE__ */ (() => z.enum(["none", "warned", "urged", "escalated"]))();
export type SupervisionStage = z.infer<typeof SupervisionStage>;

export const Supervision = /* @__PURE__ */ (() =>
  z.object({ accept: SupervisionStage, resolve: SupervisionStage }))();
export type Supervision = z.infer<typeof Supervision>;

/** When each current deadline was passed (null while on time). */
export const Overdue = /* @__PURE__ */ (() =>
  z.object({
    accept: z.nullable(z.iso.datetime()),
    resolve: z.nullable(z.iso.datetime()),
  }))();
export type Overdue = z.infer<typeof Overdue>;

/** A department's pending request for more time (延期). */
export const ExtensionRequest = /* @__PURE__ */ (() =>
  z.object({
    requestedAt: z.iso.datetime(),
    by: z.string(),
    reason: z.string(),
    dueAt: z.iso.datetime(),
  }))();
export type ExtensionRequest = z.infer<typeof ExtensionRequest>;

/** 核查: who verifies a resolved ticket. `both` is 双验收 (centre and reporter). */
export const VerificationMode = /* @__PURE__ */ (() => z.enum(["dispatcher", "reporter", "both"]))();
export type VerificationMode = z.infer<typeof VerificationMode>;

/** The verifications a resolved ticket has received in the current round (true = passed). */
export const Verification = /* @__PURE__ */ (() =>
  z.object({
    dispatcher: z.nullable(z.boolean()),
    reporter: z.nullable(z.boolean()),
  }))();
export type Verification = z.infer<typeof Verification>;

export const CallbackStatus = /* @__PURE__ */ (() => z.enum(["pending", "rated", "unrated"]))();
export type CallbackStatus = z.infer<typeof CallbackStatus>;

export const Rating = /* @__PURE__ */ (() => z.number().check(z.int(), z.gte(1), z.lte(5)))();

/** One callback (回访) as the ticket shows it: no contact details. */
export const CallbackSummary = /* @__PURE__ */ (() =>
  z.object({
    id: z.string(),
    /** The reporter's own ticket: the closed ticket itself, or a ticket merged into it. */
    reporterTicketId: z.string(),
    reporterTicketNo: z.string(),
    channel: z.string(),
    status: CallbackStatus,
    rating: z.nullable(Rating),
    comment: z.optional(z.string()),
    attempts: z.number().check(z.int(), z.nonnegative()),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    answeredAt: z.nullable(z.iso.datetime()),
    /** Why a callback ended without a rating: unreachable, expired, superseded (the ticket was reopened meanwhile). */
    endedBecause: z.optional(z.enum(["unreachable", "expired", "superseded"])),
  }))();
export type CallbackSummary = z.infer<typeof CallbackSummary>;

/** The stored callback: the summary plus what only the loop needs (never shown on the ticket). */
export interface CallbackRecord extends CallbackSummary {
  /** The closed ticket the callback belongs to (where ratings reopen). */
  ticketId: string;
  /** Set for channels that rate in their conversation (WeChat): who answers. */
  channelUserId?: string;
  /** SHA-256 of the rating link's secret part (web and Open311 links). */
  linkHash?: string;
  version: number;
}

type ClosureFields = Pick<
  Ticket,
  | "acceptDueAt"
  | "overdue"
  | "supervision"
  | "escalatedAt"
  | "extension"
  | "verification"
  | "callbacks"
  | "satisfaction"
>;

/**
 * The closure fields of a ticket that has none yet: fresh objects each time, written out rather than
 * structuredClone(CLOSURE_DEFAULTS) (which was a tenth of the handler's CPU per ticket across its calls).
 */
export function closureDefaults(): ClosureFields {
  return {
    acceptDueAt: null,
    overdue: { accept: null, resolve: null },
    supervision: { accept: "none", resolve: "none" },
    escalatedAt: null,
    extension: null,
    verification: { dispatcher: null, reporter: null },
    callbacks: [],
    satisfaction: null,
  };
}

/** The closure fields of a ticket that has none yet, read-only (closureDefaults() gives fresh objects). */
export const CLOSURE_DEFAULTS: Readonly<ClosureFields> = /* @__PURE__ */ Object.freeze(closureDefaults());

const CLOSURE_KEYS = Object.keys(CLOSURE_DEFAULTS) as (keyof ClosureFields)[];

/** A ticket read from the table with the closure fields it may lack (stored before the loop) filled in. */
export function withClosureDefaults<T extends object>(ticket: T): T {
  const out = { ...ticket } as Record<string, unknown>;
  let defaults: ClosureFields | undefined;
  for (const k of CLOSURE_KEYS) {
    if (out[k] !== undefined) continue;
    defaults ??= closureDefaults();
    out[k] = defaults[k];
  }
  return out as T;
}
