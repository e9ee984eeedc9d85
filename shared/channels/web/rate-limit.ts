import { createHash } from "node:crypto";
import { TooManyRequestsError } from "../../domain/errors.js";
import type { Core } from "../../services/context.js";

/**
 * Per-client fixed-window limit of a public route: one counter item per (scope, client, window) in the table
 * (expiring after two windows), so every Lambda container and the local server count together. The client is
 * the caller's IP, stored only as a hash. Throws TooManyRequestsError (429, Retry-After) past `limit`.
 */
export async function enforceRateLimit(core: Core, scope: string, sourceIp: string, limit: number) {
  const windowSeconds = core.config.publicAccess.windowSeconds;
  const nowSeconds = Math.floor(core.clock.now().getTime() / 1000);
  const window = Math.floor(nowSeconds / windowSeconds);
  const client = createHash("sha256")
    .update(sourceIp || "unknown")
    .digest("hex")
    .slice(0, 32);
  const count = await core.store.countRequest(scope, client, window, windowSeconds * 2);
  if (count > limit) throw new TooManyRequestsError(Math.max(1, (window + 1) * windowSeconds - nowSeconds));
}
