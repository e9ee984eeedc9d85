import * as z from "zod/mini";
import { DomainError, fromZodIssues, ValidationError } from "../../domain/errors.js";
import type { UploadTicket } from "../../ports.js";
import type { Core } from "../../services/context.js";
import "../../zod.js";

const EXTENSION: Record<string, string> = { "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp" };

export const UploadRequest = /* @__PURE__ */ (() =>
  z.object({
    contentType: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
    size: z.number().check(z.int(), z.gte(1)),
    name: z.optional(z.string().check(z.trim(), z.maxLength(200))),
  }))();

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/**
 * Checks a photo's type and size against the configuration and returns where the page may PUT it. The size is
 * signed into the URL, so the storage refuses a body of any other length.
 */
export async function requestUpload(core: Core, raw: unknown): Promise<UploadTicket> {
  if (raw === undefined) throw new ValidationError("缺少请求体 / request body is required", "(body)");
  const parsed = UploadRequest.safeParse(raw);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  const { contentType, size } = parsed.data;
  const policy = core.config.publicAccess;
  const extension = EXTENSION[contentType.toLowerCase()];
  if (!extension || !policy.photoTypes.includes(contentType.toLowerCase())) {
    throw new ValidationError(
      "照片只能是 JPEG、PNG 或 WebP 格式 / a photo must be JPEG, PNG or WebP",
      "contentType",
    );
  }
  if (size > policy.photoMaxBytes) {
    throw new DomainError(
      "payload_too_large",
      `照片不能超过 ${mb(policy.photoMaxBytes)}（此照片 ${mb(size)}） / a photo may be at most ${mb(policy.photoMaxBytes)} (this one is ${mb(size)})`,
      "size",
    );
  }
  if (!core.uploads) {
    throw new ValidationError("暂不支持上传照片 / photo uploads are not available here", "photos");
  }
  return core.uploads.presign({ contentType: contentType.toLowerCase(), size, extension });
}
