import { fileZeroReport } from "../shared/channels/grid/patrol.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/** POST /v1/patrols/zero-report — 零报告, once per worker per city day (201; a repeat that day: 200, same record). */
export const route: Route = async (req, core) => {
  const { record, created } = await fileZeroReport(core, req.body, req.actor);
  return { statusCode: created ? 201 : 200, body: record };
};

export const roles = ["grid-worker"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
