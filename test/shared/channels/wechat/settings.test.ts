import { describe, expect, it } from "vitest";
import {
  DEFAULT_WECHAT_API_BASE_URL,
  wechatSettingsFromEnv,
} from "../../../../shared/channels/wechat/settings.js";

describe("WeChat settings from the environment", () => {
  it("leaves the Official Account off without token and AppID, and defaults the API to WeChat's", () => {
    expect(wechatSettingsFromEnv({})).toEqual({ oa: null, apiBaseUrl: DEFAULT_WECHAT_API_BASE_URL });
  });

  it("reads every setting once", () => {
    const s = wechatSettingsFromEnv({
      WECHAT_OA_TOKEN: "token123",
      WECHAT_OA_APPID: "wx0123456789abcdef",
      WECHAT_OA_ENCODING_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
      WECHAT_OA_APPSECRET: "0123456789abcdef0123",
      WECHAT_OA_TEMPLATE_ID: "tmpl",
      WECHAT_API_BASE_URL: "http://127.0.0.1:9",
    });
    expect(s).toEqual({
      oa: {
        token: "token123",
        appId: "wx0123456789abcdef",
        encodingAesKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        appSecret: "0123456789abcdef0123",
        templateId: "tmpl",
      },
      apiBaseUrl: "http://127.0.0.1:9",
    });
  });

  it("names the bad variable", () => {
    expect(() => wechatSettingsFromEnv({ WECHAT_OA_TOKEN: "token123" })).toThrow(/WECHAT_OA_APPID/);
    expect(() =>
      wechatSettingsFromEnv({
        WECHAT_OA_TOKEN: "token123",
        WECHAT_OA_APPID: "wx0123456789abcdef",
        WECHAT_OA_ENCODING_AES_KEY: "too-short",
      }),
    ).toThrow(/WECHAT_OA_ENCODING_AES_KEY/);
    expect(() => wechatSettingsFromEnv({ WECHAT_API_BASE_URL: "not a url" })).toThrow(/WECHAT_API_BASE_URL/);
  });
});
