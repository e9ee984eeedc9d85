import { ApiError, api, formatTime, lang, loadEnv, pick, setupLangSwitch } from "./common.js";

const DICT = {
  "page.title": { zh: "查询办理进度 — 12345", en: "Ticket progress — 12345" },
  "page.heading": { zh: "查询办理进度", en: "Check a ticket's progress" },
  "nav.report": { zh: "我要反映问题", en: "Report a problem" },
  "f.no": { zh: "工单编号", en: "Ticket number" },
  "f.no.hint": { zh: "例如 20260101-000123", en: "For example 20260101-000123" },
  "f.phone4": { zh: "手机号码后四位", en: "Last four digits of your phone" },
  "f.lookup": { zh: "查询", en: "Look up" },
  "r.title": { zh: "工单", en: "Ticket" },
  "r.category": { zh: "分类", en: "Category" },
  "r.area": { zh: "区域", en: "Area" },
  "r.created": { zh: "提交时间", en: "Filed" },
  "r.updated": { zh: "最近更新", en: "Last update" },
  "r.progress": { zh: "办理进展", en: "Progress" },
};
const STATUS_EN = {
  received: "Received",
  triage: "Being assigned",
  dispatched: "Sent to the department",
  accepted: "In progress",
  resolved: "Resolved, being verified",
  closed: "Closed",
  merged: "Merged with an earlier report",
  rejected: "Not accepted",
};
const NONE = { zh: "待定", en: "to be decided" };
const EMPTY = {
  zh: "暂无进展，承办单位签收后会在此显示。",
  en: "No progress yet; it appears here once the department accepts it.",
};
const CHECK = {
  zh: "请填写工单编号和手机号码后四位。",
  en: "Please give the ticket number and the last four digits.",
};

let last = null;
const message = document.getElementById("message");

function render(view) {
  last = view;
  const l = lang();
  document.getElementById("r-no").textContent = view.ticketNo;
  document.getElementById("r-status").textContent = l === "en" ? STATUS_EN[view.status] : view.statusText;
  document.getElementById("r-category").textContent = view.category?.name ?? NONE[l];
  document.getElementById("r-area").textContent = view.area ?? NONE[l];
  document.getElementById("r-created").textContent = formatTime(view.createdAt);
  document.getElementById("r-updated").textContent = formatTime(view.updatedAt);
  const list = document.getElementById("r-progress");
  list.replaceChildren();
  const notes = [...view.progress];
  if (view.rejectReason) notes.push({ at: view.closedAt, note: view.rejectReason });
  if (!notes.length) {
    const li = document.createElement("li");
    li.textContent = EMPTY[l];
    list.append(li);
  }
  for (const p of notes) {
    const li = document.createElement("li");
    const time = document.createElement("time");
    time.dateTime = p.at;
    time.textContent = formatTime(p.at);
    li.append(time, document.createTextNode(p.note));
    list.append(li);
  }
  const section = document.getElementById("result");
  section.hidden = false;
}

async function lookup(focus) {
  message.textContent = "";
  const no = document.getElementById("ticketNo").value.trim();
  const phone4 = document.getElementById("phone4").value.trim();
  if (!no || !/^\d{4}$/.test(phone4)) {
    message.textContent = CHECK[lang()];
    message.focus();
    return;
  }
  try {
    const view = await api(
      "GET",
      `/v1/public/tickets/${encodeURIComponent(no)}?phone4=${encodeURIComponent(phone4)}`,
    );
    render(view);
    if (focus) document.getElementById("result").focus();
  } catch (err) {
    document.getElementById("result").hidden = true;
    message.textContent = err instanceof ApiError ? pick(err.message) : String(err);
    message.focus();
  }
}

document.getElementById("lookup").addEventListener("submit", (e) => {
  e.preventDefault();
  void lookup(true);
});
setupLangSwitch(DICT, () => last && render(last));
await loadEnv();
const fromLink = new URLSearchParams(location.search).get("no");
if (fromLink) {
  document.getElementById("ticketNo").value = fromLink;
  document.getElementById("phone4").focus();
}
document.body.dataset.ready = "true";
