import middy from "@middy/core";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import {
  DomainError,
  type ErrorCode,
  PayloadTooLargeError,
  TooManyRequestsError,
  ValidationError,
} from "../../shared/domain/errors.js";
import type { Actor } from "../../shared/domain/lifecycle.js";
import type { Role } from "../../shared/domain/ticket.js";
import { errorFields } from "../../shared/log.js";
import type { Core } from "../../shared/services/context.js";
import { addInvocationContext, lambdaLogger } from "./lambda-log.js";

export const MAX_BODY_BYTES = 64 * 1024;

const fallbackLog = lambdaLogger();

export interface HttpRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  requestId: string;
  actor: Actor;
  /** The caller's IP address as API Gateway saw it (rate limits of the public routes). */
  sourceIp: string;
}

export interface HttpResponse {
  statusCode: number;
  /** JSON-serialised unless `text` is given. */
  body?: unknown;
  /** A body sent as it is (XML, HTML, plain text): the route sets its content-type header. */
  text?: string;
  headers?: Record<string, string>;
}

/** Per-route options: how the body is read and how large it may be. */
export interface RouteOptions {
  /** "json" (default): parsed JSON, or a 400; "text": the raw UTF-8 text, whatever its content type. */
  body?: "json" | "text";
  maxBodyBytes?: number;
}

export type Route = (req: HttpRequest, core: Core) => Promise<HttpResponse>;

/** What every HTTP handler needs at run time: the core and the key check. Built once per process. */
export interface Runtime {
  core: Core;
  authenticate(rawKey: string | undefined): Promise<Actor>;
}

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  illegal_transition: 422,
  too_many_requests: 429,
};

/** AWS error names that mean "slow down" (DynamoDB and SQS). */
const THROTTLING = new Set([
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "TooManyRequestsException",
]);

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

/** Error names / codes that mean "the store or the queue cannot be reached right now" (answered 503). */
const UNAVAILABLE_NAMES = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "AbortError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalServerError",
  "InternalFailure",
  "StoreUnavailable",
]);
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** True when `err` (or an error it wraps) says a dependency is unreachable, timed out or failing on its side. */
export function isUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 4) return false;
  const e = err as {
    name?: string;
    code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
    errors?: unknown[];
  };
  if (UNAVAILABLE_NAMES.has(e.name ?? "") || UNAVAILABLE_CODES.has(e.code ?? "")) return true;
  if (e.$fault === "server" && (e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isUnavailable(x, depth + 1))) return true;
  return isUnavailable(e.cause, depth + 1);
}

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

export function errorResponse(err: unknown): APIGatewayProxyStructuredResultV2 {
  if (err instanceof DomainError) {
    return {
      statusCode: STATUS[err.code],
      headers:
        err instanceof TooManyRequestsError
          ? { ...JSON_HEADERS, "retry-after": String(err.retryAfterSeconds) }
          : JSON_HEADERS,
      body: JSON.stringify({
        error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) },
      }),
    };
  }
  if (THROTTLING.has((err as { name?: string })?.name ?? "")) {
    return {
      statusCode: 429,
      headers: { ...JSON_HEADERS, "retry-after": "1" },
      body: JSON.stringify({
        error: { code: "too_many_requests", message: "请稍后重试 / please retry shortly" },
      }),
    };
  }
  if (isUnavailable(err)) {
    return {
      statusCode: 503,
      headers: { ...JSON_HEADERS, "retry-after": String(RETRY_AFTER_SECONDS) },
      body: JSON.stringify({
        error: {
          code: "unavailable",
          message: "服务暂时不可用，请稍后重试 / temporarily unavailable, retry later",
        },
      }),
    };
  }
  return {
    statusCode: 500,
    headers: JSON_HEADERS,
    body: JSON.stringify({ error: { code: "internal", message: "服务器内部错误 / internal error" } }),
  };
}

/** Stateless between calls (no `stream` option), so one decoder serves every request. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

function parseBody(event: APIGatewayProxyEventV2, options: RouteOptions = {}): unknown {
  if (event.body === undefined || event.body === null || event.body === "") return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  if (raw.byteLength > limit) throw new PayloadTooLargeError(limit);
  let text: string;
  try {
    // Refused, not silently turned into U+FFFD: a report must arrive as the resident wrote it.
    text = UTF8.decode(raw);
  } catch {
    throw new ValidationError("请求体不是合法的 UTF-8 / body is not valid UTF-8", "(body)");
  }
  if (options.body === "text") return text;
  const type = event.headers?.["content-type"] ?? "application/json";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new ValidationError("请求体须为 JSON / body must be application/json", "content-type");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError("请求体不是合法的 JSON / body is not valid JSON", "(body)");
  }
}

function presentedKey(headers: Record<string, string | undefined>): string | undefined {
  const auth = headers.authorization;
  if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim();
  return headers["x-api-key"];
}

/**
 * Wraps a route as an API Gateway v2 Lambda handler: header normalisation (middy), body size and JSON checks,
 * API-key auth with the allowed roles, and the one mapping of typed errors to HTTP. No 5xx carries details.
 */
export function httpHandler(
  route: Route,
  roles: readonly Role[] | "public",
  runtime: () => Promise<Runtime>,
  options: RouteOptions = {},
) {
  const base = async (
    event: APIGatewayProxyEventV2,
    context?: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? "local";
    addInvocationContext(context);
    let rt: Runtime | undefined;
    try {
      rt = await runtime();
      const headers = Object.fromEntries(
        Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? ""]),
      ) as Record<string, string>;
      let actor: Actor = { id: "anonymous", role: "system" };
      if (roles !== "public") {
        actor = await rt.authenticate(presentedKey(headers));
        if (!roles.includes(actor.role)) {
          throw new DomainError(
            "forbidden",
            `角色 ${actor.role} 无权调用此接口 / role ${actor.role} may not call this endpoint`,
          );
        }
      }
      const req: HttpRequest = {
        method: event.requestContext?.http?.method ?? "GET",
        path: event.rawPath ?? "/",
        params: (event.pathParameters ?? {}) as Record<string, string>,
        query: (event.queryStringParameters ?? {}) as Record<string, string>,
        headers,
        body: parseBody(event, options),
        requestId,
        actor,
        sourceIp: event.requestContext?.http?.sourceIp ?? "",
      };
      // Every log line the services write for this request carries its id.
      const res = await route(req, { ...rt.core, log: rt.core.log.child({ requestId }) });
      return {
        statusCode: res.statusCode,
        headers: { ...JSON_HEADERS, "x-request-id": requestId, ...res.headers },
        body: res.text ?? (res.body === undefined ? "" : JSON.stringify(res.body)),
      };
    } catch (err) {
      if (!rt) {
        // The runtime itself could not be built (configuration, model file, environment): say so in the logs.
        fallbackLog.log("error", "runtime initialisation failed", { requestId, ...errorFields(err) });
      } else if (!(err instanceof DomainError)) {
        rt.core.log.log("error", "request failed", { requestId, path: event.rawPath, ...errorFields(err) });
      }
      const res = errorResponse(err);
      return { ...res, headers: { ...res.headers, "x-request-id": requestId } };
    }
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(base).use(httpHeaderNormalizer());
}

export function queryInt(
  query: Record<string, string>,
  name: string,
  def: number,
  min: number,
  max: number,
): number {
  const raw = query[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ValidationError(
      `${name} 须为 ${min}–${max} 的整数 / ${name} must be an integer ${min}–${max}`,
      name,
    );
  }
  return n;
}
