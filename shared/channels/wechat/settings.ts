import * as z from "zod/mini";
import "../../zod.js";

export const DEFAULT_WECHAT_API_BASE_URL = "https://api.weixin.qq.com";

/** The Official Account's settings (公众号后台 → 开发 → 基本配置). */
export const OaSettings = /* @__PURE__ */ (() =>
  z.object({
    token: z.string().check(z.regex(/^[A-Za-z0-9]{3,32}$/, "WECHAT_OA_TOKEN: 3–32 letters or digits")),
    /** Absent: plain mode only (明文模式). */
    encodingAesKey: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9]{43}$/, "WECHAT_OA_ENCODING_AES_KEY: 43 letters or digits")),
    ),
    appId: z.string().check(z.regex(/^wx[0-9a-f]{16}$/i, "WECHAT_OA_APPID: wx followed by 16 hex digits")),
    /** Needed to send progress messages (access token); the callback works without it. */
    appSecret: z.optional(z.string().check(z.minLength(16), z.maxLength(64))),
    /** Template message used when the 48-hour customer-service window has closed (errcode 45015). */
    templateId: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  }))();
export type OaSettings = z.infer<typeof OaSettings>;

export const WechatSettings = /* @__PURE__ */ (() =>
  z.object({
    oa: z.nullable(OaSettings),
    apiBaseUrl: z.url(),
  }))();
export type WechatSettings = z.infer<typeof WechatSettings>;

/**
 * Reads the WeChat settings once at start-up: the Official Account is on when WECHAT_OA_TOKEN and
 * WECHAT_OA_APPID are set. Throws naming the bad variable.
 */
export function wechatSettingsFromEnv(env: Record<string, string | undefined>): WechatSettings {
  const v = (name: string) => env[name]?.trim() || undefined;
  const token = v("WECHAT_OA_TOKEN");
  const appId = v("WECHAT_OA_APPID");
  const raw = {
    oa:
      token || appId
        ? {
            token,
            appId,
            encodingAesKey: v("WECHAT_OA_ENCODING_AES_KEY"),
            appSecret: v("WECHAT_OA_APPSECRET"),
            templateId: v("WECHAT_OA_TEMPLATE_ID"),
          }
        : null,
    apiBaseUrl: v("WECHAT_API_BASE_URL") ?? DEFAULT_WECHAT_API_BASE_URL,
  };
  const parsed = WechatSettings.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") ?? "";
    const names: Record<string, string> = {
      "oa.token": "WECHAT_OA_TOKEN",
      "oa.appId": "WECHAT_OA_APPID",
      "oa.encodingAesKey": "WECHAT_OA_ENCODING_AES_KEY",
      "oa.appSecret": "WECHAT_OA_APPSECRET",
      "oa.templateId": "WECHAT_OA_TEMPLATE_ID",
      apiBaseUrl: "WECHAT_API_BASE_URL",
    };
    throw new Error(`invalid WeChat setting ${names[field] ?? field}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}
