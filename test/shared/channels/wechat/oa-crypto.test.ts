import { describe, expect, it } from "vitest";
import {
  aesKey,
  decryptMessage,
  encryptMessage,
  sha1Signature,
  signatureMatches,
} from "../../../../shared/channels/wechat/oa-crypto.js";

/**
 * Tencent's published test vector of the encrypted (安全) mode: the decryption sample of WXBizMsgCrypt
 * (Tencent's official samples; the same values are in the Node port's README, fotock/WXbizMsgCrypt-Node
 * README.md, "测试解密接口"): token "spamtest", EncodingAESKey "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
 * AppID "wx2c2769f8efd9abc2", timestamp 1409735669, nonce 1320562132, msg_signature
 * 5d197aaffba7e9b25a30732f161a50dee96bd5fa.
 */
const VECTOR = {
  token: "spamtest",
  encodingAesKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  appId: "wx2c2769f8efd9abc2",
  timestamp: "1409735669",
  nonce: "1320562132",
  msgSignature: "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
  encrypt:
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=",
};

describe("Official Account encrypted mode (Tencent's test vector)", () => {
  it("verifies the vector's msg_signature over the sorted token, timestamp, nonce and Encrypt", () => {
    const expected = sha1Signature([VECTOR.token, VECTOR.timestamp, VECTOR.nonce, VECTOR.encrypt]);
    expect(expected).toBe(VECTOR.msgSignature);
    expect(signatureMatches(VECTOR.msgSignature, expected)).toBe(true);
    expect(signatureMatches(VECTOR.msgSignature.replace(/.$/, "0"), expected)).toBe(false);
    expect(signatureMatches(undefined, expected)).toBe(false);
  });

  it("decrypts the vector to its message and AppID (32-byte PKCS#7 padding stripped by hand)", () => {
    const { message, appId } = decryptMessage(aesKey(VECTOR.encodingAesKey), VECTOR.encrypt);
    expect(appId).toBe(VECTOR.appId);
    expect(message).toContain("<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>");
    expect(message).toContain("<Content><![CDATA[abcdteT]]></Content>");
    expect(message).toContain("<MsgId>6054768590064713728</MsgId>");
  });

  it("encrypts so that the same algorithm decrypts it, padded to 32-byte blocks", () => {
    const key = aesKey(VECTOR.encodingAesKey);
    for (const text of ["", "短", "x".repeat(31), "y".repeat(32), "<xml>中文回复</xml>".repeat(7)]) {
      const enc = encryptMessage(key, text, VECTOR.appId);
      const raw = Buffer.from(enc, "base64");
      expect(raw.length % 32).toBe(0);
      expect(decryptMessage(key, enc)).toEqual({ message: text, appId: VECTOR.appId });
    }
  });

  it("refuses keys that are not 43 base64 characters and ciphertext of a wrong length", () => {
    expect(() => aesKey("short")).toThrow(/43/);
    expect(() => decryptMessage(aesKey(VECTOR.encodingAesKey), "AAAA")).toThrow();
  });
});
