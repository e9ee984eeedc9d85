import { httpHandler, RETRY_AFTER_SECONDS, type Route } from "./lib/http.js";
import { fromEnvironment } from "./lib/runtime.js";

/** A probe's state: "ok", or "down" when it failed or did not answer within `ms`. */
async function probe(fn: (() => Promise<void>) | undefined, ms: number): Promise<"ok" | "down"> {
  if (!fn) return "ok";
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error("probe timed out"), { name: "TimeoutError" })),
          ms,
        );
      }),
    ]);
    return "ok";
  } catch {
    return "down";
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /health — the runtime is initialised and its dependencies answer: `{status, store, queue}`, 200 when
 * both are "ok", 503 with Retry-After when either is "down" (so a load balancer or npm start's supervisor
 * notices a lost store). Names no endpoint and no error detail.
 */
export const route: Route = async (_req, core) => {
  const [store, queue] = await Promise.all([
    probe(core.store.ping?.bind(core.store), 2500),
    probe(core.queue.ping?.bind(core.queue), 2500),
  ]);
  const ok = store === "ok" && queue === "ok";
  return {
    statusCode: ok ? 200 : 503,
    body: { status: ok ? "ok" : "degraded", city: core.config.city.id, store, queue },
    ...(ok ? {} : { headers: { "retry-after": String(RETRY_AFTER_SECONDS) } }),
  };
};

export const roles = "public" as const;

export const handler = httpHandler(route, roles, fromEnvironment);
