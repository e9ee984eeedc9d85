import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { IncomingMessage } from "./conversation.js";

/** The largest callback body accepted (WeChat's messages are a few hundred bytes; 16 KiB is generous). */
export const OA_MAX_BODY_BYTES = 16 * 1024;

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlError";
  }
}

// Entities are never expanded (no billion-laughs, no external entities): `&lt;` stays as written, and a
// document type declaration is refused before parsing. Values stay strings (MsgId exceeds 2^53).
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  maxNestedTags: 4,
});

/** The flat `<xml><Field>value</Field>…</xml>` document WeChat sends, as a map of strings. */
export function parseWechatXml(text: string): Record<string, string> {
  if (Buffer.byteLength(text, "utf8") > OA_MAX_BODY_BYTES) throw new XmlError("too large");
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError("document type declarations are not accepted");
  if (XMLValidator.validate(text) !== true) throw new XmlError("malformed");
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch {
    throw new XmlError("malformed");
  }
  const root = (doc as { xml?: unknown } | null)?.xml;
  if (!root || typeof root !== "object" || Array.isArray(root)) throw new XmlError("no <xml> root");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(root)) {
    if (typeof v === "string" && v.length <= 5000) out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
  }
  return out;
}

function cdata(value: string): string {
  return `<![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

/** A passive text reply (被动回复) to the resident. */
export function textReplyXml(to: string, from: string, createTime: number, content: string): string {
  return `<xml><ToUserName>${cdata(to)}</ToUserName><FromUserName>${cdata(from)}</FromUserName><CreateTime>${createTime}</CreateTime><MsgType>${cdata("text")}</MsgType><Content>${cdata(content)}</Content></xml>`;
}

export function encryptedReplyXml(
  encrypt: string,
  signature: string,
  timestamp: string,
  nonce: string,
): string {
  return `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`;
}

/**
 * The engine's view of one Official Account message, with the id a redelivery repeats; "ignore" for events
 * that need no answer, null when required fields are missing.
 */
export function oaMessage(fields: Record<string, string>):
  | {
      openId: string;
      account: string;
      messageId: string;
      message: IncomingMessage;
    }
  | "ignore"
  | null {
  const openId = fields.FromUserName;
  const account = fields.ToUserName;
  const type = fields.MsgType?.toLowerCase();
  const createTime = fields.CreateTime;
  if (!openId || !account || !type || !createTime || !/^\d{1,12}$/.test(createTime)) return null;
  // Events carry no MsgId: WeChat's retries of one event repeat FromUserName + CreateTime.
  const messageId = fields.MsgId ? `oa:${fields.MsgId}` : `oa-event:${openId}:${createTime}`;
  let message: IncomingMessage;
  if (type === "text") message = { kind: "text", text: (fields.Content ?? "").slice(0, 5000) };
  else if (type === "image" && (fields.MediaId || fields.PicUrl))
    message = {
      kind: "image",
      ref: fields.MediaId ? `wechat-media:${fields.MediaId}` : String(fields.PicUrl),
    };
  else if (type === "location") {
    const lat = Number(fields.Location_X);
    const lng = Number(fields.Location_Y);
    if (!Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180)
      return null;
    message = { kind: "location", lat, lng, ...(fields.Label ? { label: fields.Label.slice(0, 500) } : {}) };
  } else if (type === "event") {
    const event = fields.Event?.toLowerCase();
    if (event === "subscribe" || event === "unsubscribe" || event === "click") {
      message = { kind: "event", event, ...(fields.EventKey ? { key: fields.EventKey.slice(0, 200) } : {}) };
    } else return "ignore"; // VIEW, LOCATION reports, template delivery receipts: nothing to answer
  } else message = { kind: "other" };
  return { openId, account, messageId, message };
}
