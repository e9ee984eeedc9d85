import {
  ApiError,
  api,
  formatTime,
  lang,
  loadEnv,
  newDraftKey,
  pick,
  setupLangSwitch,
  uploadPhotos,
} from "./common.js";

const KEY = "intake.gridKey";
const DICT = {
  "page.title": { zh: "网格员巡查上报", en: "Grid worker patrol reports" },
  "page.heading": { zh: "网格员巡查上报", en: "Grid worker patrol reports" },
  optional: { zh: "（选填）", en: "(optional)" },
  "key.title": { zh: "登录", en: "Sign in" },
  "key.label": { zh: "网格员密钥", en: "Grid worker key" },
  "key.hint": { zh: "只需输入一次，保存在本机浏览器中。", en: "Entered once and kept in this browser." },
  "key.save": { zh: "保存", en: "Save" },
  "key.logout": { zh: "更换密钥", en: "Change key" },
  "p.title": { zh: "巡查上报", en: "Patrol report" },
  "p.category": { zh: "问题分类", en: "Category" },
  "p.category.none": { zh: "不确定", en: "Not sure" },
  "p.description": { zh: "问题描述", en: "Description" },
  "p.address": { zh: "位置", en: "Location" },
  "p.photos": { zh: "照片", en: "Photos" },
  "p.onsite": { zh: "已现场处置（小事一格解决）", en: "Fixed on the spot" },
  "p.onsite.hint": {
    zh: "勾选后工单直接办结，仍计入统计。",
    en: "The ticket is closed at once and still counted.",
  },
  "p.result": { zh: "处置结果", en: "What was done" },
  "p.resident": { zh: "代办：替居民反映（选填）", en: "Filing for a resident (optional)" },
  "p.resident.name": { zh: "居民称呼", en: "Resident's name" },
  "p.resident.phone": { zh: "居民手机号码", en: "Resident's mobile" },
  "p.submit": { zh: "上报", en: "Send report" },
  "z.title": { zh: "零报告", en: "Zero report" },
  "z.text": {
    zh: "今日网格内无新情况时，提交零报告。",
    en: "Nothing new in your grid today? Send the zero report.",
  },
  "z.submit": { zh: "提交今日零报告", en: "Send today's zero report" },
  "m.title": { zh: "我上报的未办结事项", en: "My open reports" },
  "t.title": { zh: "交办本网格的事项", en: "Small matters for my grid" },
  "t.hint": {
    zh: "小事一格解决：签收、处置后办结；办不了的上报街道或分派中心。",
    en: "Accept, fix and resolve; what the grid cannot fix goes up to the street office or the dispatch centre.",
  },
};
const TEXT = {
  filed: { zh: "已上报，工单编号 ", en: "Filed, ticket number " },
  zero: { zh: "今日零报告已提交（", en: "Today's zero report is in (" },
  none: { zh: "暂无未办结事项。", en: "Nothing open." },
  noTasks: { zh: "暂无交办事项。", en: "Nothing assigned to your grid." },
  dispatched: { zh: "待签收", en: "To accept" },
  accepted: { zh: "办理中", en: "In hand" },
  acceptDue: { zh: "签收时限 ", en: "Accept by " },
  due: { zh: "办结时限 ", en: "Resolve by " },
  accept: { zh: "签收", en: "Accept" },
  note: { zh: "处置结果或上报原因", en: "What was done, or why it goes up" },
  resolve: { zh: "办结", en: "Resolve" },
  handUp: { zh: "上报街道", en: "Hand up to the street office" },
  toTriage: { zh: "转分派中心", en: "Send to the dispatch centre" },
  needNote: { zh: "请先填写处置结果或上报原因。", en: "Write what was done or why it goes up first." },
  acted: { zh: "已处理：", en: "Done: " },
};

const auth = () => ({ authorization: `Bearer ${localStorage.getItem(KEY) ?? ""}` });
const notice = document.getElementById("notice");
const ok = document.getElementById("ok");
let draftKey = newDraftKey();

function show() {
  const has = !!localStorage.getItem(KEY);
  document.getElementById("key-form").hidden = has;
  document.getElementById("work").hidden = !has;
  if (has) {
    void loadTasks();
    void loadMine();
  }
}

function fail(err) {
  notice.textContent = err instanceof ApiError ? pick(err.message) : String(err);
  notice.focus();
  if (err instanceof ApiError && err.status === 401) {
    localStorage.removeItem(KEY);
    show();
  }
}

async function loadMine() {
  try {
    const { items } = await api("GET", "/v1/patrols/mine", { headers: auth() });
    const list = document.getElementById("mine");
    list.replaceChildren();
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = TEXT.none[lang()];
      list.append(li);
    }
    for (const item of items) {
      const li = document.createElement("li");
      li.textContent = `${item.ticketNo} · ${item.statusText} · ${item.title}${item.lastProgress ? ` — ${item.lastProgress.note}` : ""}`;
      list.append(li);
    }
  } catch (err) {
    fail(err);
  }
}

/** The small matters routed to this worker's grid cell (GET /v1/grids/mine/inbox), each with its next steps. */
async function loadTasks() {
  try {
    const { items } = await api("GET", "/v1/grids/mine/inbox", { headers: auth() });
    const list = document.getElementById("tasks");
    list.replaceChildren();
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = TEXT.noTasks[lang()];
      list.append(li);
    }
    for (const item of items) list.append(taskItem(item));
  } catch (err) {
    fail(err);
  }
}

function taskItem(item) {
  const l = lang();
  const li = document.createElement("li");
  li.dataset.ticket = item.id;
  const head = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = `${item.ticketNo} · ${TEXT[item.status]?.[l] ?? item.status}`;
  head.append(strong, ` ${item.title}`);
  const where = document.createElement("p");
  where.className = "hint";
  const due =
    item.status === "dispatched" && item.acceptDueAt ? ["acceptDue", item.acceptDueAt] : ["due", item.dueAt];
  where.textContent = [item.location?.address, due[1] ? `${TEXT[due[0]][l]}${formatTime(due[1])}` : ""]
    .filter(Boolean)
    .join(" · ");
  li.append(head, where);
  const button = (key, cls, onClick) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.dataset.action = key;
    b.textContent = TEXT[key][l];
    b.addEventListener("click", onClick);
    return b;
  };
  if (item.status === "dispatched") {
    li.append(button("accept", "primary", () => act(item, { action: "accept" })));
    return li;
  }
  const field = document.createElement("div");
  field.className = "field";
  const label = document.createElement("label");
  label.htmlFor = `note-${item.id}`;
  label.textContent = TEXT.note[l];
  const note = document.createElement("textarea");
  note.id = `note-${item.id}`;
  note.maxLength = 2000;
  field.append(label, note);
  const withNote = (body) => () => {
    const text = note.value.trim();
    if (!text) {
      notice.textContent = TEXT.needNote[l];
      note.focus();
      return;
    }
    void act(item, body(text));
  };
  const actions = document.createElement("p");
  actions.className = "actions";
  actions.append(
    button(
      "resolve",
      "primary",
      withNote((result) => ({ action: "resolve", result })),
    ),
    button(
      "handUp",
      "secondary",
      withNote((reason) => ({ action: "hand-up", reason })),
    ),
    button(
      "toTriage",
      "secondary",
      withNote((reason) => ({ action: "hand-up", to: "triage", reason })),
    ),
  );
  li.append(field, actions);
  return li;
}

async function act(item, body) {
  notice.textContent = "";
  ok.textContent = "";
  try {
    const ticket = await api("POST", `/v1/tickets/${encodeURIComponent(item.id)}/actions`, {
      body,
      headers: auth(),
    });
    ok.textContent = `${TEXT.acted[lang()]}${ticket.ticketNo}`;
    await loadTasks();
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
document.getElementById("onsite").addEventListener("change", (e) => {
  document.getElementById("result-field").hidden = !e.target.checked;
});

document.getElementById("patrol").addEventListener("submit", async (e) => {
  e.preventDefault();
  notice.textContent = "";
  ok.textContent = "";
  const v = (id) => document.getElementById(id).value.trim();
  try {
    const photos = await uploadPhotos([...document.getElementById("photos").files]);
    const onsite = document.getElementById("onsite").checked;
    const body = {
      description: v("description"),
      location: { address: v("address") },
      photos,
      ...(v("category") ? { categoryId: v("category") } : {}),
      ...(onsite ? { handledOnSite: true, result: v("result") } : {}),
      ...(v("resident-phone")
        ? {
            resident: {
              phone: v("resident-phone"),
              ...(v("resident-name") ? { name: v("resident-name") } : {}),
            },
          }
        : {}),
    };
    const ticket = await api("POST", "/v1/patrols/reports", {
      body,
      headers: { ...auth(), "idempotency-key": draftKey },
    });
    draftKey = newDraftKey();
    document.getElementById("patrol").reset();
    document.getElementById("result-field").hidden = true;
    ok.textContent = `${TEXT.filed[lang()]}${ticket.ticketNo}`;
    await loadMine();
  } catch (err) {
    fail(err);
  }
});

document.getElementById("zero").addEventListener("click", async () => {
  notice.textContent = "";
  try {
    const record = await api("POST", "/v1/patrols/zero-report", { body: {}, headers: auth() });
    ok.textContent = `${TEXT.zero[lang()]}${record.day})`;
  } catch (err) {
    fail(err);
  }
});

setupLangSwitch(DICT, () => show());
await loadEnv();
try {
  const config = await api("GET", "/v1/public/config");
  const select = document.getElementById("category");
  for (const c of config.categories.filter((c) => c.parent)) {
    const option = document.createElement("option");
    option.value = c.id;
    option.textContent = c.name;
    select.append(option);
  }
} catch {
  // the category stays optional
}
show();
document.body.dataset.ready = "true";
