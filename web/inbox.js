import { ApiError, api, formatTime, lang, loadEnv, pick, setupLangSwitch } from "./common.js";

// 小事一格解决: the grid worker's work list (GET /v1/grids/mine/inbox) at phone width — accept (签收), resolve
// (办结) or hand up (上交) each small matter routed to their grid cell. The key is the one grid.html keeps.
const KEY = "intake.gridKey";
const DICT = {
  "page.title": { zh: "网格待办", en: "Grid work list" },
  "page.heading": { zh: "网格待办", en: "Grid work list" },
  "key.title": { zh: "登录", en: "Sign in" },
  "key.label": { zh: "网格员密钥", en: "Grid worker key" },
  "key.hint": { zh: "只需输入一次，保存在本机浏览器中。", en: "Entered once and kept in this browser." },
  "key.save": { zh: "保存", en: "Save" },
  "key.logout": { zh: "更换密钥", en: "Change key" },
  "nav.patrol": { zh: "巡查上报", en: "Patrol report" },
  "i.title": { zh: "本网格的小事（待签收、处理中）", en: "Small matters of your grid (to accept, in hand)" },
  "i.refresh": { zh: "刷新", en: "Refresh" },
};
const TEXT = {
  none: { zh: "暂无待办事项。", en: "Nothing to do." },
  grid: { zh: "网格：", en: "Grid: " },
  due: { zh: "办结时限 ", en: "Resolve by " },
  acceptDue: { zh: "签收时限 ", en: "Accept by " },
  note: { zh: "处置结果或上交原因", en: "What was done, or why it goes up" },
  accept: { zh: "签收", en: "Accept" },
  resolve: { zh: "办结", en: "Resolve" },
  handUp: { zh: "上交街道", en: "Hand up" },
  needNote: { zh: "请先填写处置结果或上交原因。", en: "Write what was done or why it goes up first." },
  accepted: { zh: "已签收 ", en: "Accepted " },
  resolved: { zh: "已办结 ", en: "Resolved " },
  handedUp: { zh: "已上交 ", en: "Handed up " },
};

const STATUS = {
  dispatched: { zh: "待签收", en: "To accept" },
  accepted: { zh: "处理中", en: "In hand" },
};

const auth = () => ({ authorization: `Bearer ${localStorage.getItem(KEY) ?? ""}` });
const notice = document.getElementById("notice");
const ok = document.getElementById("ok");

function show() {
  const has = !!localStorage.getItem(KEY);
  document.getElementById("key-form").hidden = has;
  document.getElementById("work").hidden = !has;
  if (has) void load();
}

function fail(err) {
  notice.textContent = err instanceof ApiError ? pick(err.message) : String(err);
  notice.focus();
  if (err instanceof ApiError && err.status === 401) {
    localStorage.removeItem(KEY);
    show();
  }
}

async function act(item, body, done) {
  notice.textContent = "";
  ok.textContent = "";
  try {
    await api("POST", `/v1/tickets/${encodeURIComponent(item.id)}/actions`, { body, headers: auth() });
    ok.textContent = `${done[lang()]}${item.ticketNo}`;
    await load();
  } catch (err) {
    fail(err);
  }
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "secondary";
  b.textContent = label[lang()];
  b.addEventListener("click", onClick);
  return b;
}

function itemView(item) {
  const li = document.createElement("li");
  li.dataset.id = item.id;
  const head = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = item.title;
  head.append(
    strong,
    ` · ${(STATUS[item.status] ?? { zh: item.status, en: item.status })[lang()]} · ${item.ticketNo}`,
  );
  const where = document.createElement("p");
  where.className = "hint";
  const due =
    item.status === "dispatched" && item.acceptDueAt
      ? `${TEXT.acceptDue[lang()]}${formatTime(item.acceptDueAt)}`
      : item.dueAt
        ? `${TEXT.due[lang()]}${formatTime(item.dueAt)}`
        : "";
  where.textContent = [item.location?.address, due].filter(Boolean).join(" · ");
  const label = document.createElement("label");
  const noteId = `note-${item.id}`;
  label.htmlFor = noteId;
  label.textContent = TEXT.note[lang()];
  const note = document.createElement("textarea");
  note.id = noteId;
  note.maxLength = 2000;
  const noteText = () => {
    const text = note.value.trim();
    if (!text) {
      notice.textContent = TEXT.needNote[lang()];
      note.focus();
    }
    return text;
  };
  const actions = document.createElement("p");
  actions.className = "actions";
  if (item.status === "dispatched")
    actions.append(button(TEXT.accept, () => act(item, { action: "accept" }, TEXT.accepted)));
  if (item.status === "accepted")
    actions.append(
      button(TEXT.resolve, () => {
        const result = noteText();
        if (result) void act(item, { action: "resolve", result }, TEXT.resolved);
      }),
    );
  actions.append(
    button(TEXT.handUp, () => {
      const reason = noteText();
      if (reason) void act(item, { action: "hand-up", reason }, TEXT.handedUp);
    }),
  );
  li.append(head, where, label, note, actions);
  return li;
}

async function load() {
  try {
    const { grid, items } = await api("GET", "/v1/grids/mine/inbox", { headers: auth() });
    document.getElementById("grid-name").textContent = `${TEXT.grid[lang()]}${grid}`;
    const list = document.getElementById("inbox");
    list.replaceChildren();
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = TEXT.none[lang()];
      list.append(li);
    }
    for (const item of items) list.append(itemView(item));
    document.body.dataset.loaded = String(Date.now());
  } catch (err) {
    fail(err);
  }
}

document.getElementById("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const value = document.getElementById("key").value.trim();
  if (value) localStorage.setItem(KEY, value);
  show();
});
document.getElementById("logout").addEventListener("click", () => {
  localStorage.removeItem(KEY);
  show();
});
document.getElementById("refresh").addEventListener("click", () => {
  notice.textContent = "";
  void load();
});

setupLangSwitch(DICT, () => show());
await loadEnv();
show();
document.body.dataset.ready = "true";
