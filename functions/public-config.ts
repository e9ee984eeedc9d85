import { enforceRateLimit } from "../shared/channels/web/rate-limit.js";
import { httpHandler, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/** GET /v1/public/config — what the web form needs: the category picker and the photo limits. No key. */
export const route: Route = async (req, core) => {
  await enforceRateLimit(core, "lookup", req.sourceIp, core.config.publicAccess.lookupsPerWindow);
  const { photoMaxBytes, photoTypes, maxPhotos } = core.config.publicAccess;
  return {
    statusCode: 200,
    headers: { "cache-control": "public, max-age=300" },
    body: {
      city: { id: core.config.city.id, name: core.config.city.name },
      categories: core.config.categories.map((c) => ({
        id: c.id,
        name: c.name,
        ...(c.parent ? { parent: c.parent } : {}),
      })),
      photos: { maxBytes: photoMaxBytes, types: photoTypes, max: maxPhotos, enabled: core.uploads !== null },
    },
  };
};

export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
