import {
  CONTENT_TYPE,
  Open311Error,
  type Open311Format,
  render,
  renderErrors,
} from "../../shared/channels/open311/format.js";
import {
  asOpen311Error,
  createRequest,
  discovery,
  getRequest,
  listRequests,
  requestUpdates,
  serviceDefinition,
  services,
  tokenLookup,
} from "../../shared/channels/open311/service.js";
import { enforceRateLimit } from "../../shared/channels/web/rate-limit.js";
import { TooManyRequestsError, UnauthorizedError } from "../../shared/domain/errors.js";
import { createAuthenticator } from "../../shared/services/auth.js";
import type { Core } from "../../shared/services/context.js";
import type { HttpRequest, HttpResponse } from "./http.js";

/** `name.xml` / `name.json` → [name, format]; null when the extension is neither. */
function split(file: string | undefined): [string, Open311Format] | null {
  const m = /^(.+)\.(xml|json)$/.exec(file ?? "");
  return m?.[1] && m[2] ? [m[1], m[2] as Open311Format] : null;
}

function baseUrl(req: HttpRequest): string {
  const host = req.headers.host ?? "localhost";
  const proto = req.headers["x-forwarded-proto"] ?? (/^(127\.|localhost)/.test(host) ? "http" : "https");
  return `${proto}://${host}`;
}

function respond(
  format: Open311Format,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return { statusCode: status, text, headers: { "content-type": CONTENT_TYPE[format], ...headers } };
}

/**
 * Runs one Open311 call and answers in its format; every refusal is the spec's error list with 400/403/404
 * (429 when a client exceeds its rate). Faults the core does not type stay 500s without details.
 */
export async function open311Call(
  format: Open311Format,
  core: Core,
  run: () => Promise<{
    status?: number;
    root: string;
    item?: string;
    body: Record<string, unknown>[] | Record<string, unknown>;
  }>,
): Promise<HttpResponse> {
  try {
    const out = await run();
    const text = Array.isArray(out.body)
      ? render(format, out.root, { item: out.item ?? "request", list: out.body })
      : render(format, out.root, out.body);
    return respond(format, out.status ?? 200, text);
  } catch (err) {
    const e = asOpen311Error(err);
    if (!e) throw err;
    core.log.log("info", "open311 request refused", { status: e.status });
    return respond(
      format,
      e.status,
      renderErrors(format, [{ code: e.status, description: e.description }]),
      err instanceof TooManyRequestsError ? { "retry-after": String(err.retryAfterSeconds) } : {},
    );
  }
}

const notFound = () =>
  respond("xml", 404, renderErrors("xml", [{ code: 404, description: "no such Open311 resource" }]));

/** GET /open311/v2/{resource}: discovery, services, requests, servicerequestupdates. */
export async function open311Get(req: HttpRequest, core: Core): Promise<HttpResponse> {
  const parsed = split(req.params.resource);
  if (!parsed) return notFound();
  const [name, format] = parsed;
  return open311Call(format, core, async () => {
    await enforceRateLimit(core, "open311", req.sourceIp, core.config.publicAccess.lookupsPerWindow);
    switch (name) {
      case "discovery":
        return { root: "discovery", body: discovery(core.config, baseUrl(req)) };
      case "services":
        if (req.query.jurisdiction_id && req.query.jurisdiction_id !== core.config.city.id) {
          throw new Open311Error(404, `jurisdiction_id not found: ${req.query.jurisdiction_id}`);
        }
        return { root: "services", item: "service", body: services(core.config) };
      case "requests":
        return { root: "service_requests", item: "request", body: await listRequests(core, req.query) };
      case "servicerequestupdates":
        return {
          root: "service_requests_updates",
          item: "request_update",
          body: await requestUpdates(core, req.query),
        };
      default:
        throw new Open311Error(404, `no such resource: ${name}`);
    }
  });
}

/** GET /open311/v2/{collection}/{item}: services/{code}, requests/{id}, tokens/{token}. */
export async function open311GetItem(req: HttpRequest, core: Core): Promise<HttpResponse> {
  const parsed = split(req.params.item);
  if (!parsed) return notFound();
  const [id, format] = parsed;
  return open311Call(format, core, async () => {
    await enforceRateLimit(core, "open311", req.sourceIp, core.config.publicAccess.lookupsPerWindow);
    const jurisdiction = req.query.jurisdiction_id;
    switch (req.params.collection) {
      case "services":
        if (jurisdiction && jurisdiction !== core.config.city.id) {
          throw new Open311Error(404, `jurisdiction_id not found: ${jurisdiction}`);
        }
        return { root: "service_definition", body: serviceDefinition(core.config, id) };
      case "requests":
        return { root: "service_requests", item: "request", body: await getRequest(core, id, jurisdiction) };
      case "tokens":
        return { root: "service_requests", item: "request", body: await tokenLookup(core, id, jurisdiction) };
      default:
        throw new Open311Error(404, `no such resource: ${req.params.collection}`);
    }
  });
}

let authenticate: ReturnType<typeof createAuthenticator> | undefined;
let authKeys: Core["keys"] | undefined;

/** POST /open311/v2/requests.{xml,json}: form-encoded, with the client application's `api_key`. */
export async function open311Post(req: HttpRequest, core: Core): Promise<HttpResponse> {
  const parsed = split(req.params.resource);
  if (parsed?.[0] !== "requests") return notFound();
  const format = parsed[1];
  return open311Call(format, core, async () => {
    const form = new URLSearchParams(typeof req.body === "string" ? req.body : "");
    const key = form.get("api_key") ?? req.query.api_key;
    if (!key) throw new Open311Error(403, "api_key was not provided");
    if (authKeys !== core.keys) {
      authKeys = core.keys;
      authenticate = createAuthenticator(core.keys);
    }
    // Only an unknown or revoked key is "invalid": a lookup that failed (the store down) stays a 503, so the
    // client tries again instead of giving up on a valid key.
    const actor = await authenticate!(key).catch((err: unknown) => {
      if (err instanceof UnauthorizedError) throw new Open311Error(403, "invalid api_key");
      throw err;
    });
    if (actor.role !== "channel" || actor.channel !== "open311") {
      throw new Open311Error(403, "this api_key is not an Open311 client key");
    }
    const { ticket, created } = await createRequest(core, form, actor, req.headers["idempotency-key"]);
    return {
      status: created ? 201 : 200,
      root: "service_requests",
      item: "request",
      body: [
        {
          service_request_id: ticket.ticketNo,
          service_notice: `已受理：${ticket.ticketNo}`,
          account_id: null,
        },
      ],
    };
  });
}
