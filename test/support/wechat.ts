import { sha1Signature } from "../../shared/channels/wechat/oa-crypto.js";

export const OA = {
  token: "citytoken2026",
  encodingAesKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  appId: "wx0123456789abcdef",
  appSecret: "test-app-secret-0123456789",
  templateId: "tmpl-progress",
};

/** The query string WeChat's servers sign a callback with (plain mode). */
export function signedQuery(opts: { token?: string; timestamp?: number; nonce?: string } = {}) {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? String(Math.floor(Math.random() * 1e9));
  const signature = sha1Signature([opts.token ?? OA.token, timestamp, nonce]);
  return { timestamp, nonce, signature };
}

export function qs(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

let seq = 1_000_000;
/** A plain XML message as WeChat posts it. */
export function textXml(openId: string, content: string, msgId = String(seq++)): string {
  return `<xml><ToUserName><![CDATA[gh_city12345]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
}

export function locationXml(openId: string, lat: number, lng: number, label: string, msgId = String(seq++)) {
  return `<xml><ToUserName><![CDATA[gh_city12345]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>${lat}</Location_X><Location_Y>${lng}</Location_Y><Scale>15</Scale><Label><![CDATA[${label}]]></Label><MsgId>${msgId}</MsgId></xml>`;
}

export function eventXml(openId: string, event: string, createTime: number, key?: string) {
  return `<xml><ToUserName><![CDATA[gh_city12345]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event>${key ? `<EventKey><![CDATA[${key}]]></EventKey>` : ""}</xml>`;
}

/** The Content of a passive text reply. */
export function replyContent(xml: string): string {
  return /<Content><!\[CDATA\[([\s\S]*?)\]\]><\/Content>/.exec(xml)?.[1] ?? "";
}

export const TICKET_NO = /\d{8}-\d{6}/;
