import { createHash } from "node:crypto";
import type { Category, CityConfig } from "../../config/schema.js";
import { DomainError } from "../../domain/errors.js";
import type { Actor } from "../../domain/lifecycle.js";
import { Phone, type Ticket } from "../../domain/ticket.js";
import { publicProgress, statusText } from "../../notify/notification.js";
import type { Core } from "../../services/context.js";
import { createTicket } from "../../services/intake.js";
import { cityDateTime, Open311Error } from "./format.js";

/** The GeoReport v2 specification this server implements. */
export const SPECIFICATION = "http://wiki.open311.org/GeoReport_v2";
const CHANGESET = "2026-12-01T00:00:00Z";
const MAX_RESULTS = 1000;
const MAX_DAYS = 90;

/** `jurisdiction_id` is optional (one jurisdiction here); a wrong one is 404 as the spec says. */
export function checkJurisdiction(config: CityConfig, jurisdiction: string | undefined) {
  if (jurisdiction && jurisdiction !== config.city.id) {
    throw new Open311Error(404, `jurisdiction_id not found: ${jurisdiction}`);
  }
}

export function discovery(config: CityConfig, baseUrl: string) {
  return {
    changeset: CHANGESET,
    contact: `${config.city.name} 12345`,
    key_service:
      "API keys for client applications are issued by the 12345 centre (role channel, channel open311).",
    endpoints: {
      endpoint: [
        {
          specification: SPECIFICATION,
          url: `${baseUrl}/open311/v2`,
          changeset: CHANGESET,
          type: "production",
          formats: { format: ["text/xml", "application/json"] },
        },
      ],
    },
  };
}

/** Services are the configuration's categories: group = parent's name, metadata = has attributes. */
export function services(config: CityConfig) {
  const byId = new Map(config.categories.map((c) => [c.id, c]));
  return config.categories.map((c) => ({
    service_code: c.id,
    service_name: c.name,
    description: c.name,
    metadata: (c.attributes?.length ?? 0) > 0,
    type: "realtime",
    keywords: c.keywords.join(", "),
    group: c.parent ? (byId.get(c.parent)?.name ?? c.parent) : c.name,
  }));
}

function category(config: CityConfig, code: string | undefined): Category {
  if (!code) throw new Open311Error(400, "service_code was not provided");
  const found = config.categories.find((c) => c.id === code);
  if (!found) throw new Open311Error(404, `service_code not found: ${code}`);
  return found;
}

export function serviceDefinition(config: CityConfig, code: string) {
  const c = category(config, code);
  return {
    service_code: c.id,
    attributes: {
      attribute: (c.attributes ?? []).map((a, i) => ({
        variable: true,
        code: a.code,
        datatype: a.datatype,
        required: a.required,
        datatype_description: a.datatypeDescription ?? null,
        order: i + 1,
        description: a.description,
        ...(a.values ? { values: { value: a.values.map((v) => ({ key: v.key, name: v.name })) } } : {}),
      })),
    },
  };
}

/** `attribute[code]=v` and `attribute[code][]=v` pairs of a form body. */
function attributesOf(form: URLSearchParams): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of form) {
    const m = /^attribute\[([^\]]+)\](\[\])?$/.exec(name);
    if (!m?.[1]) continue;
    out.set(m[1], [...(out.get(m[1]) ?? []), value]);
  }
  return out;
}

const one = (form: URLSearchParams, name: string) => form.get(name)?.trim() || undefined;

/**
 * POST requests: a client application (its own `channel` key bound to open311) files a service request. The
 * client's request id (an `Idempotency-Key` header) or else the content hash of the form is the idempotency key,
 * so a retried post files one ticket. Returns the ticket; its number is the service_request_id.
 */
export async function createRequest(
  core: Core,
  form: URLSearchParams,
  actor: Actor,
  requestId: string | undefined,
): Promise<{ ticket: Ticket; created: boolean }> {
  checkJurisdiction(core.config, one(form, "jurisdiction_id"));
  const c = category(core.config, one(form, "service_code"));
  const lat = one(form, "lat");
  const lng = one(form, "long");
  const addressString = one(form, "address_string");
  const addressId = one(form, "address_id");
  if ((lat === undefined) !== (lng === undefined)) {
    throw new Open311Error(400, "lat and long must be sent together");
  }
  const latN = lat === undefined ? undefined : Number(lat);
  const lngN = lng === undefined ? undefined : Number(lng);
  if (latN !== undefined && (!Number.isFinite(latN) || Math.abs(latN) > 90))
    throw new Open311Error(400, "lat is not a latitude");
  if (lngN !== undefined && (!Number.isFinite(lngN) || Math.abs(lngN) > 180))
    throw new Open311Error(400, "long is not a longitude");
  if (latN === undefined && !addressString && !addressId) {
    throw new Open311Error(400, "a location is required: lat and long, address_string or address_id");
  }
  const given = attributesOf(form);
  const answers: string[] = [];
  for (const a of c.attributes ?? []) {
    const values = given.get(a.code) ?? [];
    if (a.required && !values.some((v) => v.trim())) {
      throw new Open311Error(400, `attribute[${a.code}] is required for service_code ${c.id}`);
    }
    if (a.values && values.some((v) => !a.values?.some((x) => x.key === v))) {
      throw new Open311Error(400, `attribute[${a.code}] has a value that is not in the service definition`);
    }
    if (values.length) {
      const names = values.map((v) => a.values?.find((x) => x.key === v)?.name ?? v);
      answers.push(`${a.description.split(" / ")[0]}：${names.join("、")}`);
    }
  }
  const description = one(form, "description");
  if (description && description.length > 4000)
    throw new Open311Error(400, "description is limited to 4,000 characters");
  let phone: string | undefined;
  const rawPhone = one(form, "phone");
  if (rawPhone) {
    const parsed = Phone.safeParse(rawPhone);
    if (!parsed.success) throw new Open311Error(400, "phone is not a phone number");
    phone = parsed.data;
  }
  const mediaUrl = one(form, "media_url");
  if (mediaUrl && (!/^https?:\/\/\S+$/i.test(mediaUrl) || mediaUrl.length > 1000)) {
    throw new Open311Error(400, "media_url must be an http(s) URL");
  }
  const name = [one(form, "last_name"), one(form, "first_name")].filter(Boolean).join("");
  const userId = one(form, "account_id") ?? one(form, "device_id") ?? one(form, "email");
  const address = addressString ?? (addressId ? `address_id ${addressId}` : `${latN},${lngN}`);
  const text = [description ?? c.name, ...answers].join("\n");
  const hashed = [...form]
    .filter(([k]) => k !== "api_key")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const key = requestId ?? `form-${createHash("sha256").update(hashed).digest("hex").slice(0, 40)}`;
  return createTicket(
    core,
    {
      requestType: "complaint",
      title: (description ?? c.name).replace(/\s+/g, " ").slice(0, 40),
      description: text,
      categoryId: c.id,
      location: {
        address: address.slice(0, 500),
        ...(latN !== undefined && lngN !== undefined ? { lat: latN, lng: lngN } : {}),
      },
      reporter: {
        ...(phone ? { phone } : {}),
        ...(name ? { name: name.slice(0, 100) } : {}),
        channelUserId: (userId ?? `open311:${actor.id}`).slice(0, 200),
      },
      attachments: mediaUrl ? [{ ref: mediaUrl, kind: "photo" }] : [],
    },
    { channel: "open311", actor, idempotencyKey: key },
  );
}

const CLOSED = new Set<Ticket["status"]>(["closed", "rejected", "merged"]);

/**
 * A ticket as an Open311 service request. Public (GET needs no key), so only the public view: coarse area
 * instead of the address, no reporter, the description only of requests an Open311 client itself published.
 */
export function requestView(ticket: Ticket, config: CityConfig) {
  const offset = config.city.timezoneOffsetMinutes;
  const c = config.categories.find((x) => x.id === ticket.categoryId);
  const district = config.districts.find((d) => d.id === ticket.location.area?.district);
  const street = district?.streets.find((s) => s.id === ticket.location.area?.street);
  const area = [street?.name, district?.name, config.city.name].filter(Boolean).join(", ");
  const notes = publicProgress(ticket);
  const ownRequest = ticket.channel === "open311";
  const media = ticket.attachments.find((a) => /^https?:\/\//i.test(a.ref));
  return {
    service_request_id: ticket.ticketNo,
    status: CLOSED.has(ticket.status) ? "closed" : "open",
    status_notes:
      ticket.status === "rejected" ? ticket.closeReason : (notes.at(-1)?.note ?? statusText(ticket.status)),
    service_name: c?.name ?? null,
    service_code: ticket.categoryId,
    description: ownRequest ? ticket.description : null,
    agency_responsible: config.departments.find((d) => d.id === ticket.department)?.name ?? null,
    service_notice: statusText(ticket.status),
    requested_datetime: cityDateTime(ticket.createdAt, offset),
    updated_datetime: cityDateTime(ticket.closedAt ?? ticket.updatedAt, offset),
    expected_datetime: cityDateTime(ticket.dueAt, offset),
    address: area,
    ...(ownRequest && ticket.location.lat !== undefined && ticket.location.lng !== undefined
      ? { lat: ticket.location.lat, long: ticket.location.lng }
      : {}),
    ...(ownRequest && media ? { media_url: media.ref } : {}),
  };
}

/** A w3 datetime argument ("2010-01-01T00:00:00Z" or with an offset) as a UTC ISO instant. */
function instant(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
    throw new Open311Error(400, `${name} must be a w3 datetime such as 2010-01-01T00:00:00Z`);
  }
  const t = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) throw new Open311Error(400, `${name} is not a valid datetime`);
  return new Date(t).toISOString();
}

/** A [start, end] window of at most 90 days; by default the most recent 90 days. */
function window(core: Core, query: Record<string, string>, maxDays = MAX_DAYS) {
  const now = core.clock.now().getTime();
  const end = instant(query.end_date, "end_date");
  const start = instant(query.start_date, "start_date");
  const to =
    end ??
    (start
      ? new Date(Math.min(now, Date.parse(start) + maxDays * 86_400_000)).toISOString()
      : new Date(now).toISOString());
  const from = start ?? new Date(Date.parse(to) - maxDays * 86_400_000).toISOString();
  if (from > to) throw new Open311Error(400, "start_date is after end_date");
  if (Date.parse(to) - Date.parse(from) > maxDays * 86_400_000) {
    throw new Open311Error(400, `the date range may not span more than ${maxDays} days`);
  }
  return { from, to };
}

async function loadAll(core: Core, ids: string[]): Promise<Ticket[]> {
  const out: Ticket[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    const batch = await Promise.all(ids.slice(i, i + 50).map((id) => core.store.get(id)));
    for (const t of batch) if (t) out.push(t);
  }
  return out;
}

async function byNumber(core: Core, ticketNo: string): Promise<Ticket | null> {
  if (!/^\d{8}-\d{6}$/.test(ticketNo)) return null;
  const id = await core.store.findIdByTicketNo(ticketNo);
  return id ? core.store.get(id) : null;
}

/** GET requests: by service_request_id (comma list; overrides the rest) or by code, dates and status. */
export async function listRequests(core: Core, query: Record<string, string>) {
  checkJurisdiction(core.config, query.jurisdiction_id);
  if (query.service_request_id) {
    const numbers = query.service_request_id
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .slice(0, MAX_RESULTS);
    const found = await Promise.all(numbers.map((n) => byNumber(core, n)));
    return found.filter((t): t is Ticket => !!t).map((t) => requestView(t, core.config));
  }
  const codes = query.service_code ? new Set(query.service_code.split(",").map((s) => s.trim())) : null;
  const statuses = query.status ? query.status.split(",").map((s) => s.trim().toLowerCase()) : null;
  if (statuses?.some((s) => s !== "open" && s !== "closed")) {
    throw new Open311Error(400, "status must be open or closed (comma delimited)");
  }
  const { from, to } = window(core, query);
  const ids = await core.store.listCreatedBetween(
    from,
    to,
    codes || statuses ? MAX_RESULTS * 5 : MAX_RESULTS,
  );
  const views = (await loadAll(core, ids))
    .filter((t) => !codes || (t.categoryId !== null && codes.has(t.categoryId)))
    .map((t) => requestView(t, core.config))
    .filter((v) => !statuses || statuses.includes(v.status));
  return views.slice(0, MAX_RESULTS);
}

export async function getRequest(core: Core, id: string, jurisdiction: string | undefined) {
  checkJurisdiction(core.config, jurisdiction);
  const ticket = await byNumber(core, id);
  if (!ticket) throw new Open311Error(404, `service_request_id not found: ${id}`);
  return [requestView(ticket, core.config)];
}

/**
 * GET tokens/{token}. Requests here are realtime (POST answers with the service_request_id at once), so a
 * token is only ever the id of a request filed through Open311; anything else is 404.
 */
export async function tokenLookup(core: Core, token: string, jurisdiction: string | undefined) {
  checkJurisdiction(core.config, jurisdiction);
  const ticket = /^[0-9a-f-]{36}$/.test(token) ? await core.store.get(token) : null;
  if (ticket?.channel !== "open311") throw new Open311Error(404, `token not found: ${token}`);
  return [{ service_request_id: ticket.ticketNo, token }];
}

/** FixMyStreet's status words for our states. */
const FMS_STATUS: Partial<Record<Ticket["status"], string>> = {
  accepted: "in_progress",
  resolved: "fixed",
  closed: "closed",
  rejected: "no_further_action",
  merged: "duplicate",
};

/** History events a resident may see, as update texts (internal notes never leave). */
function updateText(e: Ticket["history"][number]): string | null {
  switch (e.type) {
    case "accept":
    case "progress":
    case "resolve":
      return e.note ?? statusText(e.to);
    case "verify":
      return e.to === "closed" ? statusText("closed") : null;
    case "reject":
      return e.note ?? statusText("rejected");
    case "merge":
      return statusText("merged");
    case "reopen":
      return "已重新交办（重办）";
    default:
      return null;
  }
}

/**
 * FixMyStreet's servicerequestupdates extension: the public updates of Open311 requests in [start, end], so an
 * installation can follow our progress notes. Looks at requests filed up to 90 days before the window.
 */
export async function requestUpdates(core: Core, query: Record<string, string>) {
  checkJurisdiction(core.config, query.jurisdiction_id);
  const { from, to } = window(core, query);
  const since = new Date(Date.parse(from) - MAX_DAYS * 86_400_000).toISOString();
  const ids = await core.store.listCreatedBetween(since, to, MAX_RESULTS * 5);
  const tickets = (await loadAll(core, ids)).filter((t) => t.channel === "open311");
  const offset = core.config.city.timezoneOffsetMinutes;
  const updates = tickets.flatMap((t) =>
    t.history
      .filter((e) => e.at >= from && e.at <= to)
      .flatMap((e) => {
        const description = updateText(e);
        if (!description) return [];
        return [
          {
            update_id: `${t.ticketNo}-${e.seq}`,
            service_request_id: t.ticketNo,
            status: FMS_STATUS[e.to] ?? "open",
            updated_datetime: cityDateTime(e.at, offset),
            description,
            media_url: null,
            at: e.at,
          },
        ];
      }),
  );
  return updates
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .slice(0, MAX_RESULTS)
    .map(({ at: _at, ...u }) => u);
}

/** Typed core errors (validation from intake, conflicts) as Open311 errors: 400 with the reason. */
export function asOpen311Error(err: unknown): Open311Error | null {
  if (err instanceof Open311Error) return err;
  if (err instanceof DomainError) {
    if (err.code === "unauthorized" || err.code === "forbidden") return new Open311Error(403, err.message);
    if (err.code === "not_found") return new Open311Error(404, err.message);
    if (err.code === "too_many_requests") return new Open311Error(429, err.message);
    return new Open311Error(400, err.field ? `${err.field}: ${err.message}` : err.message);
  }
  return null;
}
