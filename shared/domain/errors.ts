/**
 * Typed errors of the core. Each carries a stable `code`; functions/lib/http.ts maps them to HTTP in one place.
 * `message` is bilingual where a resident may read it (中文 / English).
 */
export type ErrorCode =
  | "validation_failed"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "illegal_transition"
  | "payload_too_large"
  | "too_many_requests";

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, field?: string) {
    super("validation_failed", message, field);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = "缺少或无效的 API 密钥 / missing or invalid API key") {
    super("unauthorized", message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = "无权访问该资源 / not allowed to access this resource") {
    super("forbidden", message);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super("not_found", `未找到 ${what} / ${what} not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, field?: string) {
    super("conflict", message, field);
  }
}

export class IllegalTransitionError extends DomainError {
  constructor(
    readonly from: string,
    readonly command: string,
  ) {
    super(
      "illegal_transition",
      `工单状态为 ${from}，不能执行 ${command} / cannot ${command} a ticket in state ${from}`,
    );
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(limit: number) {
    super("payload_too_large", `请求体超过 ${limit} 字节 / request body exceeds ${limit} bytes`);
  }
}

/** Turns a zod error into a ValidationError naming the first bad field (dotted path). */
export function fromZodIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  prefix = "",
): ValidationError {
  const first = issues[0];
  if (!first) return new ValidationError("输入无效 / invalid input");
  const path = [prefix, ...first.path.map(String)].filter(Boolean).join(".");
  return new ValidationError(
    `字段 ${path || "(body)"} 无效：${first.message} / field ${path || "(body)"} is invalid: ${first.message}`,
    path || undefined,
  );
}

/** A public client sent too many requests in the current window: retry after `retryAfterSeconds`. */
export class TooManyRequestsError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      "too_many_requests",
      `请求过于频繁，请 ${retryAfterSeconds} 秒后再试 / too many requests; retry in ${retryAfterSeconds} s`,
    );
  }
}
