import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UPLOAD_PREFIX, UPLOAD_REF } from "../../shared/adapters/s3-uploads.js";
import type { UploadStore, UploadTicket } from "../../shared/ports.js";

const EXPIRES_SECONDS = 300;

/**
 * The local stand-in for S3 presigned uploads: a folder (under .data locally). `presign` returns a URL on the
 * local API server signed with a per-process secret over (ref, type, size, expiry), and `receive` — which the
 * local server calls for `PUT /local-uploads/…` — refuses like S3 does when the signature, type or size differ.
 */
export class LocalUploadStore implements UploadStore {
  private readonly secret = randomBytes(32);
  constructor(readonly dir: string) {
    mkdirSync(join(dir, UPLOAD_PREFIX), { recursive: true });
  }

  private sign(ref: string, type: string, size: number, expires: number): string {
    return createHmac("sha256", this.secret).update(`${ref}\n${type}\n${size}\n${expires}`).digest("hex");
  }

  async presign(input: { contentType: string; size: number; extension: string }): Promise<UploadTicket> {
    const ref = `${UPLOAD_PREFIX}${randomUUID()}.${input.extension}`;
    const expires = Math.floor(Date.now() / 1000) + EXPIRES_SECONDS;
    const sig = this.sign(ref, input.contentType, input.size, expires);
    const query = new URLSearchParams({ size: String(input.size), expires: String(expires), sig });
    return {
      ref,
      url: `/local-${ref}?${query}`,
      method: "PUT",
      headers: { "content-type": input.contentType },
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  async exists(ref: string): Promise<boolean> {
    return UPLOAD_REF.test(ref) && existsSync(join(this.dir, ref));
  }

  /** Stores one PUT body; returns the HTTP status S3 would answer with. */
  receive(ref: string, query: URLSearchParams, contentType: string, body: Buffer): 200 | 400 | 403 {
    if (!UPLOAD_REF.test(ref)) return 400;
    const size = Number(query.get("size"));
    const expires = Number(query.get("expires"));
    const sig = Buffer.from(query.get("sig") ?? "", "utf8");
    const expected = Buffer.from(this.sign(ref, contentType, size, expires), "utf8");
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return 403;
    if (expires * 1000 < Date.now()) return 403;
    if (body.byteLength !== size) return 400;
    writeFileSync(join(this.dir, ref), body);
    return 200;
  }
}
