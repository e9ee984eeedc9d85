import { randomUUID } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { extname, join, resolve as resolvePath, sep } from "node:path";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import {
  httpHandler,
  MAX_BODY_BYTES,
  type Route,
  type RouteOptions,
  type Runtime,
} from "../../functions/lib/http.js";
import { HTTP_ROUTES } from "../../functions/routes.js";
import type { Role } from "../../shared/domain/ticket.js";
import type { LocalUploadStore } from "./uploads.js";

interface RouteModule {
  route: Route;
  roles: readonly Role[] | "public";
  options?: RouteOptions;
}

/** Loads every handler module named in functions/routes.ts: a new route needs no change here. */
async function loadRoutes() {
  return Promise.all(
    HTTP_ROUTES.map(async (r) => {
      const mod = (await import(new URL(`../../${r.entry}`, import.meta.url).href)) as RouteModule;
      if (typeof mod.route !== "function" || !mod.roles) {
        throw new Error(`${r.entry} must export route and roles`);
      }
      return { r, mod };
    }),
  );
}

function compile(path: string) {
  const names: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { regex: new RegExp(`^${source}$`), names };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) return "too-large";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) return "too-large";
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Longest a request may take before the server answers 503 itself (API Gateway's limit is 30 s). */
export const REQUEST_DEADLINE_MS = 29_000;
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/**
 * The file of `web/` a GET path names, or null. Stays inside the folder: the decoded path must not climb out
 * (`..`, encoded slashes, NUL), and only known file types are served.
 */
export async function staticFile(
  webDir: string,
  pathname: string,
): Promise<{ file: string; type: string } | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const segments = decoded.split("/").filter(Boolean);
  if (segments.some((s) => s === ".." || s === "." || s.startsWith("."))) return null;
  const root = resolvePath(webDir);
  let file = resolvePath(root, ...segments);
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    if ((await stat(file)).isDirectory()) file = join(file, "index.html");
    if (!(await stat(file)).isFile()) return null;
  } catch {
    return null;
  }
  const type = CONTENT_TYPES[extname(file).toLowerCase()];
  return type ? { file, type } : null;
}

export interface ApiServerOptions {
  /** Folder served for GET paths outside /v1 and /open311 (the web app). */
  webDir?: string;
  /** The local stand-in for presigned S3 uploads: receives `PUT /local-uploads/…`. */
  uploads?: LocalUploadStore;
}

/**
 * A local HTTP server shaped like API Gateway (HTTP API, payload v2): it builds the same events AWS sends and
 * invokes the same handler code, with the runtime it is given. It also serves the web app's static files (as
 * CloudFront does in AWS) and the local photo uploads (as S3 does).
 */
export async function startApiServer(
  runtime: Runtime,
  port: number,
  host = "127.0.0.1",
  extra: ApiServerOptions = {},
): Promise<Server> {
  const getRuntime = () => Promise.resolve(runtime);
  const table = (await loadRoutes()).map(({ r, mod }) => ({
    ...r,
    ...compile(r.path),
    maxBody: mod.options?.maxBodyBytes ?? MAX_BODY_BYTES,
    handler: httpHandler(mod.route, mod.roles, getRuntime, mod.options),
  }));
  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      // A malformed path, an aborted upload: answer if still possible, never take the server down.
      if (!res.headersSent) {
        res.writeHead(400, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ error: { code: "validation_failed", message: "bad request" } }));
      } else res.destroy();
    });
  });
  async function serve(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://local");
    const method = req.method ?? "GET";
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(body);
    };
    const candidates = table.filter((r) => r.regex.test(url.pathname));
    const match = candidates.find((r) => r.method === method);
    if (!match && method === "PUT" && extra.uploads && url.pathname.startsWith("/local-uploads/")) {
      const body = await readBody(req, 64 * 1024 * 1024);
      const status =
        body === "too-large"
          ? 400
          : extra.uploads.receive(
              url.pathname.slice("/local-".length),
              url.searchParams,
              req.headers["content-type"] ?? "",
              body,
            );
      send(status, "", { "content-type": "text/plain" });
      return;
    }
    const isApi = /^\/(v1|open311|health)(\/|$)/.test(url.pathname);
    if (!match && !isApi && extra.webDir && (method === "GET" || method === "HEAD")) {
      const found = await staticFile(extra.webDir, url.pathname);
      if (found) {
        const content = await readFile(found.file);
        res.writeHead(200, {
          "content-type": found.type,
          "content-length": String(content.byteLength),
          "x-content-type-options": "nosniff",
          "cache-control": "no-cache",
        });
        res.end(method === "HEAD" ? undefined : content);
        return;
      }
    }
    if (!match) {
      const code = candidates.length ? 405 : 404;
      send(
        code,
        JSON.stringify({
          error: { code: code === 405 ? "method_not_allowed" : "not_found", message: "no such route" },
        }),
      );
      return;
    }
    const body = await readBody(req, match.maxBody * 2);
    if (body === "too-large") {
      // Answer first, then read the rest of the upload away so the client sees the 413, not a reset.
      res.setHeader("connection", "close");
      send(
        413,
        JSON.stringify({
          error: { code: "payload_too_large", message: "请求体过大 / request body too large" },
        }),
      );
      req.resume();
      return;
    }
    const values = match.regex.exec(url.pathname)?.slice(1) ?? [];
    const pathParameters = Object.fromEntries(
      match.names.map((n, i) => [n, decodeURIComponent(values[i] ?? "")]),
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(",") : v;
    const query = Object.fromEntries(url.searchParams.entries());
    const requestId = randomUUID();
    const event: APIGatewayProxyEventV2 = {
      version: "2.0",
      routeKey: `${match.method} ${match.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(match.names.length ? { pathParameters } : {}),
      requestContext: {
        accountId: "local",
        apiId: "local",
        domainName: req.headers.host ?? "localhost",
        domainPrefix: "local",
        http: {
          method,
          path: url.pathname,
          protocol: "HTTP/1.1",
          sourceIp: req.socket.remoteAddress ?? "",
          userAgent: headers["user-agent"] ?? "",
        },
        requestId,
        routeKey: `${match.method} ${match.path}`,
        stage: "$default",
        time: new Date().toUTCString(),
        timeEpoch: Date.now(),
      },
      // The bytes as they came (as API Gateway does for binary bodies): the handler decodes UTF-8 strictly.
      ...(body.byteLength ? { body: body.toString("base64") } : {}),
      isBase64Encoded: body.byteLength > 0,
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("deadline")), REQUEST_DEADLINE_MS);
      });
      const result = await Promise.race([
        match.handler(event, { awsRequestId: requestId } as Context),
        deadline,
      ]).finally(() => clearTimeout(timer));
      send(
        result.statusCode ?? 200,
        typeof result.body === "string" ? result.body : "",
        (result.headers ?? {}) as Record<string, string>,
      );
    } catch (err) {
      if ((err as Error)?.message === "deadline") {
        send(
          503,
          JSON.stringify({
            error: {
              code: "unavailable",
              message: "服务暂时不可用，请稍后重试 / temporarily unavailable, retry later",
            },
          }),
          { "retry-after": "5" },
        );
      } else send(500, JSON.stringify({ error: { code: "internal", message: "internal error" } }));
    }
  }
  // Slow or stuck clients cannot hold the server: whole request within 30 s, headers within 10 s.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return new Promise<Server>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
