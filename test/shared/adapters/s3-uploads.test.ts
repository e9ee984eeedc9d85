import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { S3UploadStore, UPLOAD_REF } from "../../../shared/adapters/s3-uploads.js";

const s3 = new S3Client({
  region: "cn-north-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
});

describe("S3UploadStore", () => {
  it("presigns a PUT whose signature covers the content type and the exact length", async () => {
    const store = new S3UploadStore(s3, "photos-bucket");
    const ticket = await store.presign({ contentType: "image/jpeg", size: 12345, extension: "jpg" });
    expect(ticket.ref).toMatch(UPLOAD_REF);
    expect(ticket.method).toBe("PUT");
    expect(ticket.headers).toEqual({ "content-type": "image/jpeg" });
    const url = new URL(ticket.url);
    expect(url.pathname).toBe(`/${ticket.ref}`);
    expect(url.hostname).toContain("photos-bucket");
    expect(url.searchParams.get("X-Amz-SignedHeaders")?.split(";")).toEqual(
      expect.arrayContaining(["content-length", "content-type", "host"]),
    );
    expect(Number(url.searchParams.get("X-Amz-Expires"))).toBe(300);
  });

  it("exists: HeadObject found / not found; refs it did not issue are never looked up", async () => {
    const mock = mockClient(s3);
    try {
      const store = new S3UploadStore(s3, "photos-bucket");
      const ref = "uploads/0b7f3c1e-8a2d-4f5b-9c6e-1d2e3f4a5b6c.jpg";
      mock.on(HeadObjectCommand, { Key: ref }).resolves({});
      mock
        .on(HeadObjectCommand, { Key: "uploads/00000000-0000-0000-0000-000000000000.png" })
        .rejects(Object.assign(new Error("NotFound"), { name: "NotFound" }));
      await expect(store.exists(ref)).resolves.toBe(true);
      await expect(store.exists("uploads/00000000-0000-0000-0000-000000000000.png")).resolves.toBe(false);
      await expect(store.exists("../secrets.txt")).resolves.toBe(false);
      expect(mock.commandCalls(HeadObjectCommand)).toHaveLength(2);
    } finally {
      mock.restore();
    }
  });
});
