/**
 * A small client of the WeChat Official Account API (api.weixin.qq.com or the local stand-in): the access token,
 * cached until shortly before it expires and fetched again once when WeChat says it expired (40001 / 42001),
 * the customer-service message and the template message.
 */

export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    errmsg: string,
  ) {
    super(`WeChat API error ${errcode}: ${errmsg}`);
    this.name = "WechatApiError";
  }
}

/** Token errors after which one fresh token is fetched and the call repeated. */
const TOKEN_EXPIRED = new Set([40001, 40014, 42001]);
/** The 48-hour customer-service window is closed (no message from the resident lately). */
export const WINDOW_CLOSED = 45015;
/** The resident unfollowed the account (43004) or refused messages (43101): they cannot be reached. */
export const UNREACHABLE = new Set([43004, 43101]);

export interface WechatApi {
  sendText(openId: string, text: string): Promise<void>;
  sendTemplate(openId: string, templateId: string, data: Record<string, string>): Promise<void>;
}

export function createWechatApiClient(opts: {
  baseUrl: string;
  appId: string;
  appSecret: string;
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
}): WechatApi & { accessToken(force?: boolean): Promise<string> } {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const base = opts.baseUrl.replace(/\/+$/, "");
  const timeout = opts.timeoutMs ?? 5000;
  let cached: { token: string; until: number } | null = null;
  let inflight: Promise<string> | null = null;

  async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
    const res = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeout) });
    if (!res.ok) throw new Error(`WeChat API HTTP ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  }

  async function fetchToken(): Promise<string> {
    const url = `${base}/cgi-bin/token?grant_type=client_credential&appid=${encodeURIComponent(opts.appId)}&secret=${encodeURIComponent(opts.appSecret)}`;
    const out = await json(url);
    if (typeof out.access_token !== "string") {
      throw new WechatApiError(Number(out.errcode ?? -1), String(out.errmsg ?? "no access_token"));
    }
    const seconds = Number(out.expires_in ?? 7200);
    // Refresh five minutes early (WeChat keeps the old token valid for a while after a new one is issued).
    cached = { token: out.access_token, until: now() + Math.max(60, seconds - 300) * 1000 };
    return out.access_token;
  }

  async function accessToken(force = false): Promise<string> {
    if (!force && cached && cached.until > now()) return cached.token;
    if (force) cached = null;
    inflight ??= fetchToken().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  async function post(path: string, body: unknown): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const token = await accessToken(attempt > 0);
      const out = await json(`${base}${path}?access_token=${encodeURIComponent(token)}`, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(body),
      });
      const code = Number(out.errcode ?? 0);
      if (code === 0) return;
      if (TOKEN_EXPIRED.has(code) && attempt === 0) continue; // refresh once
      throw new WechatApiError(code, String(out.errmsg ?? ""));
    }
  }

  return {
    accessToken,
    sendText: (openId, text) =>
      post("/cgi-bin/message/custom/send", { touser: openId, msgtype: "text", text: { content: text } }),
    sendTemplate: (openId, templateId, data) =>
      post("/cgi-bin/message/template/send", {
        touser: openId,
        template_id: templateId,
        data: Object.fromEntries(Object.entries(data).map(([k, value]) => [k, { value }])),
      }),
  };
}
