import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { withWechatSecret } from "../../../shared/adapters/wechat-secret.js";
import type { WechatSettings } from "../../../shared/channels/wechat/settings.js";

// No local Secrets Manager stand-in: the adapter's answers and error paths are unit-tested with the SDK mocked.
const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

const base: WechatSettings = { oa: null, apiBaseUrl: "https://wechat.example.test" };
const oa = {
  token: "cityToken2026",
  encodingAesKey: "a".repeat(43),
  appId: "wx0123456789abcdef",
  appSecret: "s".repeat(32),
};

describe("the Official Account's settings from Secrets Manager", () => {
  it("reads the operator's JSON into the Official Account settings, keeping the API base URL", async () => {
    sm.on(GetSecretValueCommand, { SecretId: "intake-wechat-oa" }).resolves({
      SecretString: JSON.stringify(oa),
    });
    expect(await withWechatSecret(base, "intake-wechat-oa", { region: "cn-north-1" })).toEqual({
      apiBaseUrl: base.apiBaseUrl,
      oa,
    });
  });

  it("leaves the callback off while the secret still holds CDK's placeholder", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ placeholder: "fill me in" }) });
    expect((await withWechatSecret(base, "s", { region: "cn-north-1" })).oa).toBeNull();
  });

  it("refuses a secret that is not JSON, or a bad field, naming it (never its value)", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: "token=abc" });
    await expect(withWechatSecret(base, "s", { region: "cn-north-1" })).rejects.toThrow(/not JSON/);
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ ...oa, appId: "nope-secret" }) });
    const err = await withWechatSecret(base, "s", { region: "cn-north-1" }).catch((e: Error) => e);
    expect(String(err)).toMatch(/appId is invalid/);
    expect(String(err)).not.toContain("nope-secret");
  });

  it("a Secrets Manager failure stops initialisation", async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("denied"), { name: "AccessDeniedException" }),
    );
    await expect(withWechatSecret(base, "s", { region: "cn-north-1" })).rejects.toThrow("denied");
  });
});
