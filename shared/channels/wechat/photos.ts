import { extname } from "node:path";

/** Where the bot keeps residents' photos: returns the reference attached to the ticket. */
export interface PhotoStore {
  save(name: string, data: Buffer): Promise<string>;
}

const CONTENT_TYPE: Record<string, string> = { ".png": "image/png", ".webp": "image/webp" };

/**
 * Photos through the intake API's upload path (`POST /v1/channels/wechat/uploads`, the same presigned PUT the
 * web form uses): S3 in AWS, the API's upload folder locally. The bot needs no storage or credentials of its
 * own; the reference is the upload's, which the API can check.
 */
export function apiPhotoStore(opts: {
  apiBaseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
}): PhotoStore {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.apiBaseUrl.replace(/\/+$/, "");
  return {
    async save(name, data) {
      const contentType = CONTENT_TYPE[extname(name).toLowerCase()] ?? "image/jpeg";
      const res = await doFetch(`${base}/v1/channels/wechat/uploads`, {
        method: "POST",
        headers: { authorization: `Bearer ${opts.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ contentType, size: data.byteLength }),
        signal: AbortSignal.timeout(15_000),
      });
      if (res.status !== 201) throw new Error(`photo upload refused: ${res.status} ${await res.text()}`);
      const ticket = (await res.json()) as { ref: string; url: string; headers: Record<string, string> };
      const put = await doFetch(new URL(ticket.url, `${base}/`), {
        method: "PUT",
        headers: ticket.headers,
        body: new Uint8Array(data),
        signal: AbortSignal.timeout(60_000),
      });
      if (!put.ok) throw new Error(`photo upload failed: ${put.status}`);
      return ticket.ref;
    },
  };
}

/** Largest photo the bot keeps (WeChat's originals are rarely above a few MB). */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
