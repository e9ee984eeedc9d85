import { ratingView } from "../shared/closure/callbacks.js";
import { RATE_PAGE_CSP, rateNotFoundPage, ratePage } from "../shared/closure/rate-page.js";
import { NotFoundError } from "../shared/domain/errors.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

const HTML = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": RATE_PAGE_CSP,
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

/** GET /rate/{token} — public: the rating page of an SMS rating link (回访). */
export const route: Route = async (req, core) => {
  const token = (req.params.token ?? "").slice(0, 200);
  try {
    return { statusCode: 200, headers: HTML, text: ratePage(token, await ratingView(core, token)) };
  } catch (err) {
    if (err instanceof NotFoundError) return { statusCode: 404, headers: HTML, text: rateNotFoundPage() };
    throw err;
  }
};

export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
