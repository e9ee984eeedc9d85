import * as z from "zod/mini";
import { fromZodIssues, ValidationError } from "../../domain/errors.js";
import type { Actor } from "../../domain/lifecycle.js";
import { Phone } from "../../domain/ticket.js";
import type { Core } from "../../services/context.js";
import { type CreateResult, createTicket } from "../../services/intake.js";
import "../../zod.js";

/** The principal a web-form report is filed by (there is no key on the public page). */
export const WEB_FORM: Actor = { id: "web-form", role: "channel", channel: "web" };

const text = (min: number, max: number, zh: string, en: string) =>
  z
    .string({ error: `请填写${zh} / ${en} is required` })
    .check(
      z.trim(),
      z.minLength(min, `${zh}至少 ${min} 个字 / ${en} needs at least ${min} characters`),
      z.maxLength(max, `${zh}最多 ${max} 个字 / ${en} may have at most ${max} characters`),
    );

/** What the resident's form sends (POST /v1/public/reports). */
export const PublicReportInput = /* @__PURE__ */ (() =>
  z.strictObject({
    categoryId: z.pipe(
      z.optional(z.string().check(z.trim(), z.maxLength(64))),
      z.transform((v: string | undefined) => v || undefined),
    ),
    description: text(5, 2000, "问题描述", "description"),
    address: text(2, 300, "地址", "address"),
    lat: z.optional(z.number().check(z.gte(-90), z.lte(90))),
    lng: z.optional(z.number().check(z.gte(-180), z.lte(180))),
    phone: z.pipe(
      z.pipe(z.string({ error: "请填写手机号码 / a phone number is required" }), Phone),
      z.string().check(z.regex(/^1\d{10}$/, "请填写 11 位手机号码 / an 11-digit mobile number is required")),
    ),
    name: z.optional(z.string().check(z.trim(), z.maxLength(50))),
    photos: z._default(z.array(z.string().check(z.maxLength(200))), []),
    consent: z.literal(true, {
      error: "请阅读并同意个人信息说明 / please read and accept the personal-data notice",
    }),
  }))();
export type PublicReportInput = z.infer<typeof PublicReportInput>;

/** Files a resident's web-form report as a `web` ticket; the page's draft id makes a retry return the same one. */
export async function filePublicReport(
  core: Core,
  raw: unknown,
  idempotencyKey: string | undefined,
): Promise<CreateResult> {
  const parsed = PublicReportInput.safeParse(raw);
  if (!parsed.success) throw fromZodIssues(parsed.error.issues);
  const input = parsed.data;
  const maxPhotos = core.config.publicAccess.maxPhotos;
  if (input.photos.length > maxPhotos) {
    throw new ValidationError(`最多上传 ${maxPhotos} 张照片 / at most ${maxPhotos} photos`, "photos");
  }
  for (const ref of input.photos) {
    if (!core.uploads || !(await core.uploads.exists(ref))) {
      throw new ValidationError(
        "照片未上传成功，请重新选择 / a photo was not uploaded; choose it again",
        "photos",
      );
    }
  }
  const title = input.description.replace(/\s+/g, " ").slice(0, 40);
  return createTicket(
    core,
    {
      requestType: "complaint",
      title,
      description: input.description,
      ...(input.categoryId ? { categoryId: input.categoryId } : {}),
      location: {
        address: input.address,
        ...(input.lat !== undefined && input.lng !== undefined ? { lat: input.lat, lng: input.lng } : {}),
      },
      reporter: { phone: input.phone, ...(input.name ? { name: input.name } : {}) },
      attachments: input.photos.map((ref) => ({ ref, kind: "photo" as const })),
    },
    { channel: "web", actor: WEB_FORM, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) },
  );
}
