import { gridWorkList } from "../shared/channels/grid/work.js";
import { httpHandler, queryInt, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { ticketView } from "./lib/views.js";

/**
 * GET /v1/grids/mine/inbox?status=&limit=&cursor= — 小事一格解决: the grid worker's work list, the small matters
 * routed to their own grid cell (to accept, in hand; `status=resolved` for those awaiting verification). Act on
 * them through POST /v1/tickets/{id}/actions: accept, progress, resolve, extend, hand-up.
 */
export const route: Route = async (req, core) => {
  const limit = queryInt(req.query, "limit", 50, 1, 100);
  const list = await gridWorkList(core, req.actor, {
    limit,
    ...(req.query.status ? { status: req.query.status } : {}),
    ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
  });
  return {
    statusCode: 200,
    body: {
      grid: list.grid,
      items: list.items.map((t) => {
        const { history: _history, ...view } = ticketView(t, req.actor);
        return view;
      }),
      ...(Object.keys(list.cursors).length ? { cursors: list.cursors } : {}),
    },
  };
};

export const roles = ["grid-worker"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
