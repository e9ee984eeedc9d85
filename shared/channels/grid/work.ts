import { ForbiddenError, ValidationError } from "../../domain/errors.js";
import type { Actor } from "../../domain/lifecycle.js";
import type { Ticket, TicketStatus } from "../../domain/ticket.js";
import type { Core } from "../../services/context.js";

/** The states a grid worker's work list shows: to accept, in hand, and resolved awaiting verification. */
export const GRID_WORK_STATES = [
  "dispatched",
  "accepted",
  "resolved",
] as const satisfies readonly TicketStatus[];
type WorkState = (typeof GRID_WORK_STATES)[number];

export interface GridWorkList {
  grid: string;
  items: Ticket[];
  /** Per state listed, the cursor of its next page when there is one. */
  cursors: Partial<Record<WorkState, string>>;
}

/**
 * 小事一格解决: the small matters routed to the worker's own grid cell (`Actor.grid`) — by default the ones to
 * accept and the ones in hand — read from the handler index (GSI3 `GRID#<grid>#<status>`, one query per state),
 * never a scan and no queue per grid cell. `status` with `cursor` pages through one state.
 */
export async function gridWorkList(
  core: Core,
  actor: Actor,
  opts: { status?: string; limit: number; cursor?: string },
): Promise<GridWorkList> {
  if (actor.role !== "grid-worker" || !actor.grid) throw new ForbiddenError();
  if (opts.status !== undefined && !(GRID_WORK_STATES as readonly string[]).includes(opts.status))
    throw new ValidationError(
      `status 须为 ${GRID_WORK_STATES.join("、")} 之一 / status must be one of ${GRID_WORK_STATES.join(", ")}`,
      "status",
    );
  if (opts.cursor && !opts.status)
    throw new ValidationError("cursor 须与 status 一起使用 / cursor goes with status", "cursor");
  const states: WorkState[] = opts.status ? [opts.status as WorkState] : ["dispatched", "accepted"];
  const grid = actor.grid;
  const pages = await Promise.all(
    states.map((s) => core.store.listByGrid(grid, s, opts.limit, opts.status ? opts.cursor : undefined)),
  );
  const cursors: GridWorkList["cursors"] = {};
  pages.forEach((p, i) => {
    if (p.cursor) cursors[states[i]!] = p.cursor;
  });
  return { grid, items: pages.flatMap((p) => p.items), cursors };
}
