import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import * as z from "zod/mini";
import { ValidationError } from "../domain/errors.js";
import "../zod.js";
import type { Secrets } from "./secrets.js";

/**
 * The inbox's lease token: the queue's receipt handle bound to the ticket id, the version the message was
 * queued at and the queue it came from, sealed with AES-256-GCM under a key derived from the deployment secret
 * (authenticated: any change is detected, like an HMAC; encrypted: the receipt handle inside is not readable,
 * so a caller of the inbox cannot pull a raw handle out of one ticket's token and pass it with another).
 *   l1.<base64url(iv | ciphertext | tag)>
 * A token without the `l1.` prefix is a raw SQS receipt handle: only a department reading its queue directly
 * (README) holds one, and it may delete on that queue anyway.
 */
const PREFIX = "l1.";

const Claims = /* @__PURE__ */ (() =>
  z.object({
    t: z.string().check(z.minLength(1), z.maxLength(100)),
    v: z.number().check(z.int(), z.nonnegative()),
    q: z.string().check(z.minLength(1), z.maxLength(100)),
    h: z.string().check(z.minLength(1), z.maxLength(4096)),
  }))();

export interface LeaseClaims {
  ticketId: string;
  version: number;
  target: string;
  handle: string;
}

export function signLease(secrets: Secrets, claims: LeaseClaims): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secrets.key("lease"), iv);
  const plain = JSON.stringify({ t: claims.ticketId, v: claims.version, q: claims.target, h: claims.handle });
  const sealed = Buffer.concat([iv, cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${sealed.toString("base64url")}`;
}

export function isSignedLease(token: string): boolean {
  return token.startsWith(PREFIX);
}

/** The claims of a sealed token; a ValidationError (field leaseToken) when it was altered or is not ours. */
export function openLease(secrets: Secrets, token: string): LeaseClaims {
  const bad = () => new ValidationError("leaseToken 无效 / invalid lease token", "leaseToken");
  if (!token.startsWith(PREFIX)) throw bad();
  const sealed = Buffer.from(token.slice(PREFIX.length), "base64url");
  if (sealed.length < 12 + 16 + 2) throw bad();
  let parsed: ReturnType<typeof Claims.safeParse>;
  try {
    const decipher = createDecipheriv("aes-256-gcm", secrets.key("lease"), sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
    parsed = Claims.safeParse(JSON.parse(plain.toString("utf8")));
  } catch {
    throw bad();
  }
  if (!parsed.success) throw bad();
  const c = parsed.data;
  return { ticketId: c.t, version: c.v, target: c.q, handle: c.h };
}
