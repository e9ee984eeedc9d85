import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";

/** One call the stand-in received (the access token replaced by whether it was valid). */
export interface WechatApiCall {
  path: string;
  tokenValid: boolean;
  body: unknown;
  errcode: number;
}

export interface WechatApiStandIn {
  /** Base URL to use as WECHAT_API_BASE_URL. */
  baseUrl: string;
  calls: WechatApiCall[];
  /** Invalidates every token issued so far: the next call answers 40001, as when a token expired. */
  expireTokens(): void;
  /** The resident's 48-hour customer-service window is closed: custom/send answers 45015. */
  closeWindow(openId: string): void;
  stop(): Promise<void>;
}

/**
 * A local stand-in of api.weixin.qq.com for the calls the sender makes, answering as WeChat does: the access
 * token (`GET /cgi-bin/token`), the customer-service message (`POST /cgi-bin/message/custom/send`: errcode 0,
 * 40001 for an expired or unknown token, 45015 outside the 48-hour window) and the template message. It records
 * every call for tests and for `npm start` (GET /_calls lists them).
 */
export async function startWechatApiStandIn(
  opts: { appId?: string; appSecret?: string; port?: number; host?: string } = {},
): Promise<WechatApiStandIn> {
  const valid = new Set<string>();
  const closed = new Set<string>();
  const calls: WechatApiCall[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://local");
    const reply = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET" && url.pathname === "/_calls") return reply(calls);
      if (req.method === "GET" && url.pathname === "/cgi-bin/token") {
        if (url.searchParams.get("grant_type") !== "client_credential")
          return reply({ errcode: 40002, errmsg: "invalid grant_type" });
        if (opts.appId && url.searchParams.get("appid") !== opts.appId)
          return reply({ errcode: 40013, errmsg: "invalid appid" });
        if (opts.appSecret && url.searchParams.get("secret") !== opts.appSecret)
          return reply({ errcode: 40125, errmsg: "invalid appsecret" });
        const token = randomBytes(16).toString("hex");
        valid.add(token);
        return reply({ access_token: token, expires_in: 7200 });
      }
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
      } catch {
        return reply({ errcode: 47001, errmsg: "data format error" });
      }
      const tokenValid = valid.has(url.searchParams.get("access_token") ?? "");
      const record = (errcode: number, errmsg: string, extra: Record<string, unknown> = {}) => {
        calls.push({ path: url.pathname, tokenValid, body, errcode });
        reply({ errcode, errmsg, ...extra });
      };
      if (req.method === "POST" && url.pathname.startsWith("/cgi-bin/message/")) {
        if (!tokenValid) return record(40001, "invalid credential, access_token is invalid or not latest");
        const touser = (body as { touser?: string } | null)?.touser ?? "";
        if (url.pathname === "/cgi-bin/message/custom/send") {
          if (closed.has(touser))
            return record(45015, "response out of time limit or subscription is canceled");
          return record(0, "ok");
        }
        if (url.pathname === "/cgi-bin/message/template/send")
          return record(0, "ok", { msgid: calls.length });
      }
      res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ errcode: 40004, errmsg: "no such api" }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    baseUrl: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    calls,
    expireTokens: () => valid.clear(),
    closeWindow: (openId) => closed.add(openId),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
