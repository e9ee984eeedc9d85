import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";

/** Where the bot keeps residents' photos: returns the reference attached to the ticket. */
export interface PhotoStore {
  save(name: string, data: Buffer): Promise<string>;
}

const EXT = /^\.(jpe?g|png|gif|webp|heic)$/i;

function photoName(name: string, data: Buffer): string {
  const ext = EXT.test(extname(name)) ? extname(name).toLowerCase() : ".jpg";
  return `${createHash("sha256").update(data).digest("hex").slice(0, 32)}${ext}`;
}

/** Local photos under a directory (`npm run bot`: .data/wechat-photos); the reference is `local-photo:<file>`. */
export function localPhotoStore(dir: string): PhotoStore {
  const root = resolve(dir);
  return {
    async save(name, data) {
      await mkdir(root, { recursive: true });
      const file = photoName(name, data);
      await writeFile(join(root, file), data);
      return `local-photo:${file}`;
    },
  };
}

/** Photos in the photo bucket (AWS): the reference is `s3://<bucket>/<key>`. `put` is the S3 adapter's. */
export function bucketPhotoStore(
  bucket: string,
  put: (bucket: string, key: string, data: Buffer) => Promise<void>,
): PhotoStore {
  return {
    async save(name, data) {
      const key = `wechat/${photoName(name, data)}`;
      await put(bucket, key, data);
      return `s3://${bucket}/${key}`;
    },
  };
}

/** Largest photo the bot keeps (WeChat's originals are rarely above a few MB). */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
