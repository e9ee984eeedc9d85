import { enforceRateLimit } from "../shared/channels/web/rate-limit.js";
import { requestUpload } from "../shared/channels/web/uploads.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/**
 * POST /v1/public/uploads `{contentType, size}` — checks a photo's type and size and answers with a presigned
 * PUT (S3 in AWS, the local folder locally) whose signature fixes that type and size. No key.
 */
export const route: Route = async (req, core) => {
  await enforceRateLimit(core, "upload", req.sourceIp, core.config.publicAccess.uploadsPerWindow);
  return { statusCode: 201, body: await requestUpload(core, req.body) };
};

export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
