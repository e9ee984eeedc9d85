import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The Official Account's message signatures and its encrypted (安全) mode, as Tencent's WXBizMsgCrypt specifies
 * them. Written by hand on node:crypto: the algorithm is small, and the npm ports are unmaintained.
 *   signature      = sha1(sort([token, timestamp, nonce]).join(""))
 *   msg_signature  = sha1(sort([token, timestamp, nonce, Encrypt]).join(""))
 *   key            = base64(EncodingAESKey + "=") (32 bytes), IV = key[0..16)
 *   plaintext      = 16 random bytes ‖ uint32 big-endian length ‖ message ‖ AppID, PKCS#7-padded to 32 bytes
 */

export function sha1Signature(parts: readonly string[]): string {
  return createHash("sha1")
    .update([...parts].sort().join(""))
    .digest("hex");
}

/** Constant-time comparison of a presented hex signature with the expected one. */
export function signatureMatches(presented: string | undefined, expected: string): boolean {
  if (!presented || presented.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(presented.toLowerCase()), Buffer.from(expected));
}

export class CryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CryptoError";
  }
}

const BLOCK = 32;

export function aesKey(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey))
    throw new CryptoError("EncodingAESKey must be 43 base64 chars");
  const key = Buffer.from(`${encodingAesKey}=`, "base64");
  if (key.length !== 32) throw new CryptoError("EncodingAESKey must decode to 32 bytes");
  return key;
}

/** Decrypts an `Encrypt` value; returns the message and the AppID it names (the caller checks the AppID). */
export function decryptMessage(key: Buffer, encrypted: string): { message: string; appId: string } {
  const data = Buffer.from(encrypted, "base64");
  if (data.length === 0 || data.length % 16 !== 0) throw new CryptoError("ciphertext length");
  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  // WeChat pads to 32-byte blocks, which Node's PKCS#7 (16-byte) check refuses: strip the padding by hand.
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || pad > plain.length) throw new CryptoError("padding");
  const body = plain.subarray(16, plain.length - pad);
  if (body.length < 4) throw new CryptoError("too short");
  const length = body.readUInt32BE(0);
  if (4 + length > body.length) throw new CryptoError("length");
  return {
    message: body.subarray(4, 4 + length).toString("utf8"),
    appId: body.subarray(4 + length).toString("utf8"),
  };
}

export function encryptMessage(
  key: Buffer,
  message: string,
  appId: string,
  random = randomBytes(16),
): string {
  const msg = Buffer.from(message, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length, 0);
  const body = Buffer.concat([random, length, msg, Buffer.from(appId, "utf8")]);
  const pad = BLOCK - (body.length % BLOCK);
  const padded = Buffer.concat([body, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString("base64");
}
