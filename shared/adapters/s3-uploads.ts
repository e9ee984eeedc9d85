import { randomUUID } from "node:crypto";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { UploadStore, UploadTicket } from "../ports.js";

export const UPLOAD_PREFIX = "uploads/";
const EXPIRES_SECONDS = 300;

/** A ref this system issued: `uploads/<uuid>.<ext>` (nothing else is accepted as a photo of a public report). */
export const UPLOAD_REF = /^uploads\/[0-9a-f-]{36}\.(jpg|png|webp)$/;

/**
 * Residents' photos in S3: the page PUTs the file straight to a presigned URL whose signature covers the
 * content type and the exact content length, so S3 refuses any other type or size than the one checked.
 */
export class S3UploadStore implements UploadStore {
  private readonly s3: S3Client;
  constructor(
    s3: S3Client | { region: string },
    private readonly bucket: string,
  ) {
    this.s3 = s3 instanceof S3Client ? s3 : new S3Client(s3);
  }

  async presign(input: { contentType: string; size: number; extension: string }): Promise<UploadTicket> {
    const ref = `${UPLOAD_PREFIX}${randomUUID()}.${input.extension}`;
    const url = await getSignedUrl(
      this.s3,
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: ref,
        ContentType: input.contentType,
        ContentLength: input.size,
      }),
      { expiresIn: EXPIRES_SECONDS, signableHeaders: new Set(["content-type", "content-length"]) },
    );
    return {
      ref,
      url,
      method: "PUT",
      headers: { "content-type": input.contentType },
      expiresAt: new Date(Date.now() + EXPIRES_SECONDS * 1000).toISOString(),
    };
  }

  async exists(ref: string): Promise<boolean> {
    if (!UPLOAD_REF.test(ref)) return false;
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: ref }));
      return true;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === "NotFound" || e.$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }
}
