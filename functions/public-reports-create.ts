import { enforceRateLimit } from "../shared/channels/web/rate-limit.js";
import { filePublicReport } from "../shared/channels/web/report.js";
import { ValidationError } from "../shared/domain/errors.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * POST /v1/public/reports — a resident's web-form report (channel `web`). No key; rate-limited per client. The
 * page sends one `Idempotency-Key` per draft, so a double click or a retried request files one ticket.
 */
export const route: Route = async (req, core) => {
  await enforceRateLimit(core, "report", req.sourceIp, core.config.publicAccess.reportsPerWindow);
  if (req.body === undefined) throw new ValidationError("缺少请求体 / request body is required", "(body)");
  const { ticket, created } = await filePublicReport(core, req.body, req.headers["idempotency-key"]);
  return {
    statusCode: created ? 201 : 200,
    headers: { location: `/v1/public/tickets/${ticket.ticketNo}` },
    body: { ticketNo: ticket.ticketNo, status: ticket.status, createdAt: ticket.createdAt },
  };
};

export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
