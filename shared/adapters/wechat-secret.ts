import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { OaSettings, type WechatSettings } from "../channels/wechat/settings.js";

/**
 * In AWS the Official Account's token, EncodingAESKey, AppID and AppSecret live in one Secrets Manager secret
 * (JSON `{"token","encodingAesKey","appId","appSecret","templateId"?}`); CDK creates its place, an operator puts
 * the value. Read once at initialisation. A secret not filled in yet leaves the Official Account off.
 */
export async function withWechatSecret(
  settings: WechatSettings,
  secretId: string,
  opts: { region: string; client?: SecretsManagerClient },
): Promise<WechatSettings> {
  const client = opts.client ?? new SecretsManagerClient({ region: opts.region });
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  let raw: unknown;
  try {
    raw = JSON.parse(out.SecretString ?? "");
  } catch {
    throw new Error(`WeChat secret ${secretId} is not JSON`);
  }
  const parsed = OaSettings.safeParse(raw);
  if (!parsed.success) {
    // The placeholder CDK writes ({"placeholder": …}) or a half-filled secret: the callback stays off (404).
    if (raw && typeof raw === "object" && "placeholder" in raw) return { ...settings, oa: null };
    throw new Error(`WeChat secret ${secretId}: ${parsed.error.issues[0]?.path.join(".")} is invalid`);
  }
  return { ...settings, oa: parsed.data };
}
