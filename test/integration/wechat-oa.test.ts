import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWechatApiStandIn, type WechatApiStandIn } from "../../scripts/local/wechat-api.js";
import {
  aesKey,
  decryptMessage,
  encryptMessage,
  sha1Signature,
} from "../../shared/channels/wechat/oa-crypto.js";
import { statusText } from "../../shared/notify/notification.js";
import { defaultConfig, heldBy, startTestSystem, type TestSystem } from "../support/system.js";
import {
  eventXml,
  locationXml,
  OA,
  qs,
  replyContent,
  signedQuery,
  TICKET_NO,
  textXml,
} from "../support/wechat.js";

let system: TestSystem;
let api: WechatApiStandIn;

beforeAll(async () => {
  api = await startWechatApiStandIn({ appId: OA.appId, appSecret: OA.appSecret });
  system = await startTestSystem("wechat-oa", defaultConfig(), {
    wechat: { oa: OA, apiBaseUrl: api.baseUrl },
  });
});
afterAll(async () => {
  await system?.stop();
  await api?.stop();
});

async function post(xml: string, query = signedQuery()) {
  const res = await fetch(`${system.baseUrl}/v1/channels/wechat-oa?${qs(query)}`, {
    method: "POST",
    headers: { "content-type": "text/xml" },
    body: xml,
  });
  return { status: res.status, text: await res.text() };
}

/** Posts like WeChat in the encrypted mode and decrypts the reply (checking its signature). */
async function postEncrypted(xml: string, opts: { appId?: string; tamper?: boolean } = {}) {
  const key = aesKey(OA.encodingAesKey);
  const encrypt = encryptMessage(key, xml, opts.appId ?? OA.appId);
  const { timestamp, nonce, signature } = signedQuery();
  const msgSignature = sha1Signature([OA.token, timestamp, nonce, encrypt]);
  const body = `<xml><ToUserName><![CDATA[gh_city12345]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
  const res = await post(body, {
    timestamp,
    nonce,
    signature,
    encrypt_type: "aes",
    msg_signature: opts.tamper ? msgSignature.replace(/^./, (c) => (c === "a" ? "b" : "a")) : msgSignature,
  } as never);
  if (res.status !== 200 || res.text === "success") return { ...res, plain: res.text };
  const enc = /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(res.text)?.[1] ?? "";
  const sig = /<MsgSignature><!\[CDATA\[([0-9a-f]+)\]\]>/.exec(res.text)?.[1];
  const ts = /<TimeStamp>(\d+)<\/TimeStamp>/.exec(res.text)?.[1] ?? "";
  const nn = /<Nonce><!\[CDATA\[([^\]]+)\]\]>/.exec(res.text)?.[1] ?? "";
  expect(sig).toBe(sha1Signature([OA.token, ts, nn, enc]));
  const inner = decryptMessage(key, enc);
  expect(inner.appId).toBe(OA.appId);
  return { ...res, plain: inner.message };
}

describe("URL verification (GET)", () => {
  it("echoes echostr when the signature matches, 401 when forged or stale", async () => {
    const good = signedQuery();
    const ok = await fetch(`${system.baseUrl}/v1/channels/wechat-oa?${qs({ ...good, echostr: "e12345" })}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("e12345");

    const forged = signedQuery({ token: "not-the-token" });
    const bad = await fetch(`${system.baseUrl}/v1/channels/wechat-oa?${qs({ ...forged, echostr: "e1" })}`);
    expect(bad.status).toBe(401);
    expect(await bad.text()).not.toContain('e1"');

    const stale = signedQuery({ timestamp: Math.floor(Date.now() / 1000) - 301 });
    const old = await fetch(`${system.baseUrl}/v1/channels/wechat-oa?${qs({ ...stale, echostr: "e2" })}`);
    expect(old.status).toBe(401);
  });
});

describe("messages in plain mode (POST)", () => {
  it("files a report in several messages and answers the ticket number; a MsgId redelivery changes nothing", async () => {
    const user = "oPlainUser0001";
    const r1 = await post(textXml(user, "路灯坏了好几天，晚上很黑"));
    expect(r1.status).toBe(200);
    expect(r1.text).toContain("<ToUserName><![CDATA[oPlainUser0001]]></ToUserName>");
    expect(replyContent(r1.text)).toContain("地点");
    const r2 = await post(locationXml(user, 39.9, 116.4, "东城区新华街道人民路88号"));
    expect(replyContent(r2.text)).toContain("请确认");
    const confirm = textXml(user, "1", "7770001");
    const r3 = await post(confirm);
    const no = TICKET_NO.exec(replyContent(r3.text))?.[0];
    expect(no).toBeDefined();
    // WeChat retries the same message (same MsgId) when the answer was late: same reply, no second ticket.
    const again = await post(confirm);
    expect(replyContent(again.text)).toContain(no!);
    const mine = await post(textXml(user, "我的工单"));
    const lines = replyContent(mine.text)
      .split("\n")
      .filter((l) => TICKET_NO.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(no!);
    const [stored] = await system.runtime.core.store.listByChannelUser("wechat", `oa:${user}`, 1);
    expect(lines[0]).toContain(statusText(stored!.status));

    const listed = await system.runtime.core.store.listByChannelUser("wechat", `oa:${user}`, 10);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      ticketNo: no,
      channel: "wechat",
      reporter: { channelUserId: `oa:${user}` },
      location: { lat: 39.9, lng: 116.4, address: "东城区新华街道人民路88号" },
    });
    // The conversation went back to idle once: a new "1" is not a confirmation.
    const stray = await post(textXml(user, "1"));
    expect(TICKET_NO.test(replyContent(stray.text))).toBe(false);
  });

  it("deduplicates events on FromUserName + CreateTime and ignores events that need no answer", async () => {
    const t = Math.floor(Date.now() / 1000);
    const first = await post(eventXml("oEventUser01", "subscribe", t));
    expect(replyContent(first.text)).toContain("12345");
    const retry = await post(eventXml("oEventUser01", "subscribe", t));
    expect(replyContent(retry.text)).toBe(replyContent(first.text));
    const view = await post(eventXml("oEventUser01", "VIEW", t + 1, "https://example.gov.cn"));
    expect(view).toEqual({ status: 200, text: "success" });
  });

  it("refuses forged and stale signatures with 401 and changes nothing", async () => {
    const user = "oForgedUser01";
    const forged = await post(
      textXml(user, "东城区人民路88号污水井冒水三天了"),
      signedQuery({ token: "wrong" }),
    );
    expect(forged.status).toBe(401);
    const stale = await post(
      textXml(user, "东城区人民路88号污水井冒水三天了"),
      signedQuery({ timestamp: Math.floor(Date.now() / 1000) + 400 }),
    );
    expect(stale.status).toBe(401);
    expect(await system.runtime.core.conversations!.get(`oa:${user}`)).toBeNull();
  });

  it("refuses XML with entity declarations, malformed and oversized XML with 400, changing nothing", async () => {
    const user = "oBombUser01";
    const bomb = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><ToUserName>gh</ToUserName><FromUserName>${user}</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&b;</Content><MsgId>1</MsgId></xml>`;
    const r1 = await post(bomb);
    expect(r1.status).toBe(400);
    expect(JSON.parse(r1.text).error.code).toBe("validation_failed");
    const r2 = await post("<xml><ToUserName>gh</ToUserName><FromUserName>x");
    expect(r2.status).toBe(400);
    const big = textXml(user, "东城区人民路".repeat(1000));
    expect(Buffer.byteLength(big)).toBeGreaterThan(16 * 1024);
    const r3 = await post(big);
    expect(r3.status).toBe(400);
    // A plain entity reference is kept as written, never expanded.
    const amp = await post(textXml(user, "东城区人民路88号 &lt;井盖&gt; 丢了很危险"));
    expect(replyContent(amp.text)).toContain("&lt;井盖&gt;");
    expect(await system.runtime.core.store.listByChannelUser("wechat", `oa:${user}`, 10)).toHaveLength(0);
  });
});

describe("messages in encrypted mode", () => {
  it("files a one-message report and answers encrypted replies", async () => {
    const user = "oSecureUser01";
    const r1 = await postEncrypted(textXml(user, "东城区新华街道人民路88号小区门口污水井冒水三天了"));
    expect(r1.status).toBe(200);
    expect(replyContent(r1.plain)).toContain("请确认");
    const r2 = await postEncrypted(textXml(user, "确认"));
    expect(replyContent(r2.plain)).toMatch(TICKET_NO);
    expect(await system.runtime.core.store.listByChannelUser("wechat", `oa:${user}`, 10)).toHaveLength(1);
  });

  it("refuses a forged msg_signature and an unknown AppID with 401", async () => {
    const user = "oSecureUser02";
    const forged = await postEncrypted(textXml(user, "帮助"), { tamper: true });
    expect(forged.status).toBe(401);
    const stranger = await postEncrypted(textXml(user, "帮助"), { appId: "wxffffffffffffffff" });
    expect(stranger.status).toBe(401);
    expect(await system.runtime.core.conversations!.get(`oa:${user}`)).toBeNull();
  });
});

describe("progress messages to Official Account users", () => {
  it("sends through the customer-service API, refreshes an expired token once, falls back to a template after 45015", async () => {
    const user = "oNotifyUser01";
    await post(textXml(user, "东城区新华街道人民路88号路面塌陷一个大坑"));
    const filed = await post(textXml(user, "1"));
    const no = TICKET_NO.exec(replyContent(filed.text))![0];
    const [ticket] = await system.runtime.core.store.listByChannelUser("wechat", `oa:${user}`, 1);
    const department = await heldBy(system, ticket!);
    const dept = system.keys.departments[department]!;
    const sentTo = () => api.calls.filter((c) => (c.body as { touser?: string })?.touser === user);

    expect(
      (
        await system.call("POST", `/v1/tickets/${ticket!.id}/actions`, {
          key: dept,
          body: { action: "accept" },
        })
      ).status,
    ).toBe(200);
    await expect.poll(() => sentTo().filter((c) => c.errcode === 0).length, { timeout: 10_000 }).toBe(1);
    const accepted = sentTo().find((c) => c.errcode === 0)!;
    expect(accepted.path).toBe("/cgi-bin/message/custom/send");
    expect(JSON.stringify(accepted.body)).toContain(no);

    // The token expired (40001): one fresh token, the same message again, delivered.
    api.expireTokens();
    api.closeWindow(user);
    expect(
      (
        await system.call("POST", `/v1/tickets/${ticket!.id}/actions`, {
          key: dept,
          body: { action: "resolve", result: "已修复路面" },
        })
      ).status,
    ).toBe(200);
    await expect
      .poll(() => sentTo().filter((c) => c.path.endsWith("template/send")).length, { timeout: 10_000 })
      .toBe(1);
    const codes = sentTo()
      .slice(1)
      .map((c) => `${c.path.split("/").at(-2)}:${c.errcode}`);
    // custom/send with the expired token (40001), again with a fresh one (45015: window closed), then a template.
    expect(codes).toEqual(["custom:40001", "custom:45015", "template:0"]);
  });
});
