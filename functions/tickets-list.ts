import { fromZodIssues, ValidationError } from "../shared/domain/errors.js";
import { Phone } from "../shared/domain/ticket.js";
import { publicProgress, statusText } from "../shared/notify/notification.js";
import { httpHandler, queryInt, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";
import { ticketSummary } from "./lib/views.js";

/** GET /v1/tickets?phone=&limit=&cursor= — a caller's earlier tickets, newest first, for the operator on the call. */
export const route: Route = async (req, core) => {
  if (!req.query.phone)
    throw new ValidationError("需要 phone 参数 / query parameter phone is required", "phone");
  const phone = Phone.safeParse(req.query.phone);
  if (!phone.success) throw fromZodIssues(phone.error.issues, "phone");
  const limit = queryInt(req.query, "limit", 20, 1, 100);
  const page = await core.store.listByReporterPhone(phone.data, limit, req.query.cursor || undefined);
  // "Where is my case?": each earlier ticket's status and last progress note (the history is on the full ticket).
  const full = await Promise.all(page.items.map((t) => core.store.get(t.id)));
  const items = page.items.map((t, i) => ({
    ...ticketSummary(t),
    statusText: statusText(t.status),
    lastProgress: publicProgress(full[i] ?? t).at(-1) ?? null,
  }));
  return { statusCode: 200, body: { items, ...(page.cursor ? { cursor: page.cursor } : {}) } };
};

export const roles = ["operator"] as const;

export const handler = httpHandler(route, roles, fromEnvironment);
