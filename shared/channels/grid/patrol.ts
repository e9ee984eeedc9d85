import * as z from "zod/mini";
import { gridIds } from "../../config/grid-ids.js";
import { ForbiddenError, fromZodIssues, ValidationError } from "../../domain/errors.js";
import type { Actor } from "../../domain/lifecycle.js";
import { type AreaPath, Phone, type Ticket, Urgency } from "../../domain/ticket.js";
import { publicProgress, statusText } from "../../notify/notification.js";
import type { ZeroReport } from "../../ports.js";
import type { Core } from "../../services/context.js";
import { type CreateResult, cityDay, createTicket } from "../../services/intake.js";
import "../../zod.js";

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

/** POST /v1/patrols/reports: a grid worker's patrol report (巡查上报), optionally handled on the spot. */
export const PatrolReportInput = /* @__PURE__ */ (() =>
  z.strictObject({
    categoryId: z.optional(text(64)),
    title: z.optional(text(200)),
    description: z
      .string({ error: "请填写问题描述 / description is required" })
      .check(
        z.trim(),
        z.minLength(2, "问题描述至少 2 个字 / description needs at least 2 characters"),
        z.maxLength(5000),
      ),
    location: z.object({
      address: text(500),
      lat: z.optional(z.number().check(z.gte(-90), z.lte(90))),
      lng: z.optional(z.number().check(z.gte(-180), z.lte(180))),
    }),
    photos: z._default(z.array(z.string().check(z.maxLength(200))).check(z.maxLength(20)), []),
    urgency: z.optional(Urgency),
    /** 小事一格解决: fixed on the spot; `result` says what was done. */
    handledOnSite: z._default(z.boolean(), false),
    result: z.optional(text(2000)),
    /** 代办: the resident this report is filed for (their contact becomes the reporter). */
    resident: z.optional(z.strictObject({ name: z.optional(text(100)), phone: Phone })),
  }))();

function workerGrid(actor: Actor): { path: string; area: AreaPath } {
  if (actor.role !== "grid-worker" || !actor.grid) throw new ForbiddenError();
  const [district, street, community, grid] = actor.grid.split("/");
  return { path: actor.grid, area: { district, street, community, grid } };
}

/**
 * Files a patrol report as a `grid` ticket in the worker's own grid cell. With `handledOnSite` it is closed at
 * once (小事一格解决) and never dispatched; it is still a ticket, counted like any other.
 */
export async function filePatrolReport(
  core: Core,
  raw: unknown,
  actor: Actor,
  idempotencyKey: string | undefined,
): Promise<CreateResult> {
  const { area } = workerGrid(actor);
  const parsed = PatrolReportInput.safeParse(raw);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  const input = parsed.data;
  if (input.handledOnSite && !input.result) {
    throw new ValidationError("现场处置须填写处置结果 / result is required when handled on site", "result");
  }
  if (!input.handledOnSite && input.result) {
    throw new ValidationError(
      "只有现场处置的上报才填写处置结果 / result only goes with handledOnSite: true",
      "result",
    );
  }
  for (const ref of input.photos) {
    if (!core.uploads || !(await core.uploads.exists(ref))) {
      throw new ValidationError("照片未上传成功 / a photo was not uploaded", "photos");
    }
  }
  const photos = input.photos.map((ref) => ({ ref, kind: "photo" as const }));
  return createTicket(
    core,
    {
      requestType: "report",
      title: input.title ?? input.description.replace(/\s+/g, " ").slice(0, 40),
      description: input.description,
      ...(input.categoryId ? { categoryId: input.categoryId } : {}),
      location: { ...input.location, area },
      reporter: input.resident
        ? { phone: input.resident.phone, ...(input.resident.name ? { name: input.resident.name } : {}) }
        : { channelUserId: `grid-worker:${actor.id}` },
      attachments: photos,
      ...(input.urgency ? { urgency: input.urgency } : {}),
      ...(input.resident ? { onBehalf: true } : {}),
    },
    {
      channel: "grid",
      actor,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(input.handledOnSite && input.result ? { onSite: { result: input.result, evidence: photos } } : {}),
    },
  );
}

export const ZeroReportInput = /* @__PURE__ */ (() =>
  z._default(z.strictObject({ note: z.optional(text(500)) }), {}))();

/** 零报告: one per worker per city day; a repeat the same day returns the first record. */
export async function fileZeroReport(core: Core, raw: unknown, actor: Actor) {
  const { path } = workerGrid(actor);
  const parsed = ZeroReportInput.safeParse(raw ?? {});
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  const now = core.clock.now();
  const record: ZeroReport = {
    day: cityDay(now, core.config.city.timezoneOffsetMinutes),
    grid: path,
    actor: actor.id,
    at: now.toISOString(),
    ...(parsed.data.note ? { note: parsed.data.note } : {}),
  };
  return core.store.putZeroReport(record);
}

const OPEN = new Set<Ticket["status"]>(["received", "triage", "dispatched", "accepted", "resolved"]);

/** A line of the worker's own list: status and the last public progress, no reporter. */
export function patrolItem(ticket: Ticket) {
  return {
    id: ticket.id,
    ticketNo: ticket.ticketNo,
    status: ticket.status,
    statusText: statusText(ticket.status),
    title: ticket.title,
    categoryId: ticket.categoryId,
    createdAt: ticket.createdAt,
    lastProgress: publicProgress(ticket).at(-1) ?? null,
  };
}

/** The worker's own open items (what they filed and is not yet closed), newest first. */
export async function myOpenItems(core: Core, actor: Actor) {
  workerGrid(actor);
  const ids = await core.store.listFiledBy(actor.id, 100);
  const tickets = await Promise.all(ids.map((id) => core.store.get(id)));
  return tickets.filter((t): t is Ticket => !!t && OPEN.has(t.status)).map(patrolItem);
}

/**
 * The dispatchers' daily view: for every grid cell of the configuration, whether its workers reported
 * (巡查上报), sent the zero report (零报告) or stayed silent that city day.
 */
export async function dailyPatrols(core: Core, date: string | undefined) {
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new ValidationError("date 须为 YYYY-MM-DD / date must be YYYY-MM-DD", "date");
  }
  const day = date.replaceAll("-", "");
  const { zero, reports } = await core.store.patrolDay(day);
  const grids = [...gridIds(core.config)].map((grid) => {
    const filed = reports.filter((r) => r.grid === grid);
    const zeros = zero.filter((z) => z.grid === grid);
    return {
      grid,
      status: filed.length ? "reported" : zeros.length ? "zero-reported" : "silent",
      reports: filed.length,
      ticketNos: filed.map((r) => r.ticketNo).sort(),
      zeroReports: zeros.length,
    };
  });
  const count = (s: string) => grids.filter((g) => g.status === s).length;
  return {
    date,
    totals: { reported: count("reported"), zeroReported: count("zero-reported"), silent: count("silent") },
    grids,
  };
}
