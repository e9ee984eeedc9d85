// Shared by the pages: language switch (Chinese first), API calls, bilingual error text, photo uploads.
// Plain ES modules, no build step and nothing loaded from outside this folder.

const LANG_KEY = "intake.lang";

/** The API's origin: same origin by default; a deployment may set it in env.json ({"apiBase": "https://…"}). */
let apiBase = "";
export async function loadEnv() {
  try {
    const res = await fetch("env.json", { cache: "no-store" });
    if (res.ok) apiBase = String((await res.json()).apiBase ?? "").replace(/\/$/, "");
  } catch {
    // no env.json: same origin
  }
}

export function lang() {
  return localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh";
}

/** Applies the dictionary to every [data-i18n] element (text) and [data-i18n-placeholder]. */
export function applyLang(dict) {
  const l = lang();
  document.documentElement.lang = l === "en" ? "en" : "zh-CN";
  for (const el of document.querySelectorAll("[data-i18n]")) {
    const entry = dict[el.dataset.i18n];
    if (entry) el.textContent = entry[l];
  }
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    const entry = dict[el.dataset.i18nPlaceholder];
    if (entry) el.setAttribute("placeholder", entry[l]);
  }
  const button = document.getElementById("lang");
  if (button) {
    button.textContent = l === "en" ? "中文" : "English";
    button.setAttribute("lang", l === "en" ? "zh-CN" : "en");
  }
  const title = dict["page.title"];
  if (title) document.title = title[l];
}

export function setupLangSwitch(dict, onChange) {
  applyLang(dict);
  document.getElementById("lang")?.addEventListener("click", () => {
    localStorage.setItem(LANG_KEY, lang() === "en" ? "zh" : "en");
    applyLang(dict);
    onChange?.();
  });
}

/** The half of a bilingual server message ("中文 / English") for the page's language. */
export function pick(message) {
  const text = String(message ?? "");
  const at = text.indexOf(" / ");
  if (at < 0) return text;
  return lang() === "en" ? text.slice(at + 3) : text.slice(0, at);
}

export class ApiError extends Error {
  constructor(status, error, retryAfter) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code;
    this.field = error?.field;
    this.retryAfter = retryAfter;
  }
}

export async function api(method, path, { body, headers = {} } = {}) {
  let res;
  try {
    res = await fetch(apiBase + path, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, { message: "网络连接失败，请稍后重试 / network error; please try again" });
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const error =
      data?.error ??
      (res.status === 429
        ? { code: "too_many_requests", message: "请求过于频繁，请稍后再试 / too many requests; try later" }
        : { code: "internal", message: "服务暂时不可用，请稍后重试 / service unavailable; try again later" });
    throw new ApiError(res.status, error, res.headers.get("retry-after"));
  }
  return data;
}

/**
 * Sends each photo: asks the server for a presigned PUT (it checks type and size again), then PUTs the file.
 * Returns the refs to attach to the report.
 */
export async function uploadPhotos(files, headers = {}) {
  const refs = [];
  for (const file of files) {
    const ticket = await api("POST", "/v1/public/uploads", {
      body: { contentType: file.type, size: file.size, name: file.name },
      headers,
    });
    const url = /^https?:/.test(ticket.url) ? ticket.url : apiBase + ticket.url;
    let res;
    try {
      res = await fetch(url, { method: "PUT", headers: ticket.headers, body: file });
    } catch {
      res = null;
    }
    if (!res?.ok) {
      throw new ApiError(400, {
        code: "validation_failed",
        field: "photos",
        message: "照片上传失败，请重试 / the photo upload failed; please retry",
      });
    }
    refs.push(ticket.ref);
  }
  return refs;
}

export function newDraftKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

export function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString(lang() === "en" ? "en-GB" : "zh-CN", { hour12: false });
}
