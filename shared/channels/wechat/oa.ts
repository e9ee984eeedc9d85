import { randomBytes } from "node:crypto";
import { NotFoundError, UnauthorizedError, ValidationError } from "../../domain/errors.js";
import type { Actor } from "../../domain/lifecycle.js";
import type { Core } from "../../services/context.js";
import {
  aesKey,
  CryptoError,
  decryptMessage,
  encryptMessage,
  sha1Signature,
  signatureMatches,
} from "./oa-crypto.js";
import { encryptedReplyXml, oaMessage, parseWechatXml, textReplyXml, XmlError } from "./oa-xml.js";
import { handleWechatMessage, OA_PREFIX } from "./service.js";
import type { OaSettings } from "./settings.js";

/** A signed request more than this far from our clock is stale (replayed): 401. */
export const OA_MAX_SKEW_SECONDS = 300;

/** Who files for Official Account residents (the callback is authenticated by its signature, not a key). */
export const OA_ACTOR: Actor = { id: "channel:wechat-oa", role: "channel", channel: "wechat" };

function oaSettings(core: Core): OaSettings {
  const oa = core.wechat?.oa;
  if (!oa) throw new NotFoundError("公众号回调 / Official Account callback");
  return oa;
}

function checkFresh(timestamp: string | undefined, now: Date): string {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) throw new UnauthorizedError("签名无效 / bad signature");
  if (Math.abs(Number(timestamp) - now.getTime() / 1000) > OA_MAX_SKEW_SECONDS) {
    throw new UnauthorizedError("签名已过期 / stale signature");
  }
  return timestamp;
}

/** GET: URL verification (服务器配置). Returns the echostr when the signature holds. */
export function verifyOaUrl(core: Core, query: Record<string, string>): string {
  const oa = oaSettings(core);
  const timestamp = checkFresh(query.timestamp, core.clock.now());
  const nonce = query.nonce ?? "";
  if (!signatureMatches(query.signature, sha1Signature([oa.token, timestamp, nonce]))) {
    throw new UnauthorizedError("签名无效 / bad signature");
  }
  if (!query.echostr) throw new ValidationError("缺少 echostr / echostr is required", "echostr");
  return query.echostr;
}

/**
 * POST: one resident message, plain or encrypted. Verifies the signature (and the AppID of an encrypted one),
 * runs the conversation and answers with a passive reply in the same mode, or "success" when nothing is said.
 */
export async function handleOaPost(core: Core, query: Record<string, string>, body: string): Promise<string> {
  const oa = oaSettings(core);
  const timestamp = checkFresh(query.timestamp, core.clock.now());
  const nonce = query.nonce ?? "";
  let outer: Record<string, string>;
  try {
    outer = parseWechatXml(body);
  } catch (err) {
    if (err instanceof XmlError)
      throw new ValidationError(`XML 无效 / invalid XML: ${err.message}`, "(body)");
    throw err;
  }
  const encrypted = outer.Encrypt !== undefined || query.encrypt_type === "aes";
  let fields = outer;
  if (encrypted) {
    if (!oa.encodingAesKey || !outer.Encrypt)
      throw new UnauthorizedError("未启用安全模式 / encryption not set up");
    const expected = sha1Signature([oa.token, timestamp, nonce, outer.Encrypt]);
    if (!signatureMatches(query.msg_signature, expected))
      throw new UnauthorizedError("签名无效 / bad signature");
    let inner: { message: string; appId: string };
    try {
      inner = decryptMessage(aesKey(oa.encodingAesKey), outer.Encrypt);
    } catch (err) {
      if (err instanceof CryptoError || (err as Error).message?.includes("decrypt")) {
        throw new ValidationError("密文无效 / invalid ciphertext", "Encrypt");
      }
      throw err;
    }
    if (inner.appId !== oa.appId) throw new UnauthorizedError("AppID 不符 / unknown AppID");
    try {
      fields = parseWechatXml(inner.message);
    } catch (err) {
      if (err instanceof XmlError)
        throw new ValidationError(`XML 无效 / invalid XML: ${err.message}`, "Encrypt");
      throw err;
    }
  } else if (!signatureMatches(query.signature, sha1Signature([oa.token, timestamp, nonce]))) {
    throw new UnauthorizedError("签名无效 / bad signature");
  }
  const msg = oaMessage(fields);
  if (msg === "ignore") return "success";
  if (!msg) throw new ValidationError("消息字段不全 / message fields missing", "(body)");
  const { replies } = await handleWechatMessage(
    core,
    { channelUserId: `${OA_PREFIX}${msg.openId}`, messageId: msg.messageId, message: msg.message },
    OA_ACTOR,
  );
  if (!replies.length) return "success";
  const replyTime = Math.floor(core.clock.now().getTime() / 1000);
  // A passive reply is one message: the replies go together, a blank line apart.
  const xml = textReplyXml(msg.openId, msg.account, replyTime, replies.join("\n\n"));
  if (!encrypted || !oa.encodingAesKey) return xml;
  const replyNonce = randomBytes(8).toString("hex");
  const encrypt = encryptMessage(aesKey(oa.encodingAesKey), xml, oa.appId);
  const ts = String(replyTime);
  return encryptedReplyXml(encrypt, sha1Signature([oa.token, ts, replyNonce, encrypt]), ts, replyNonce);
}
