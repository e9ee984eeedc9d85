import { ApiError, api, lang, loadEnv, newDraftKey, pick, setupLangSwitch, uploadPhotos } from "./common.js";

const DICT = {
  "page.title": { zh: "12345 市民诉求在线反映", en: "12345 citizen hotline — report a problem" },
  "page.heading": { zh: "12345 市民诉求在线反映", en: "12345 — report a problem" },
  "nav.status": { zh: "查询办理进度", en: "Check a ticket's progress" },
  "form.intro": {
    zh: "请描述您遇到的问题，我们会转交承办单位办理。带 * 的为必填项。",
    en: "Describe the problem and we will pass it to the department in charge. Fields marked * are required.",
  },
  optional: { zh: "（选填）", en: "(optional)" },
  "f.category": { zh: "问题分类", en: "Category" },
  "f.category.none": { zh: "不确定，由工作人员分类", en: "Not sure — let staff decide" },
  "f.category.hint": { zh: "不确定时可不选。", en: "Leave it if you are not sure." },
  "f.description": { zh: "问题描述", en: "What is the problem?" },
  "f.description.hint": {
    zh: "发生了什么、从什么时候开始、影响了谁（5–2000 字）。",
    en: "What happened, since when, who is affected (5–2000 characters).",
  },
  "f.address": { zh: "地址", en: "Address" },
  "f.address.hint": {
    zh: "区、街道、路名门牌或附近的标志性建筑。",
    en: "District, street, building number or a landmark nearby.",
  },
  "f.locate": { zh: "使用我的当前位置", en: "Use my current location" },
  "f.photos": { zh: "照片", en: "Photos" },
  "f.name": { zh: "您的称呼", en: "Your name" },
  "f.phone": { zh: "手机号码", en: "Mobile phone" },
  "f.phone.hint": {
    zh: "用于告知办理结果和回访，不会公开。",
    en: "To tell you the outcome and ask for your feedback; never shown publicly.",
  },
  "f.consent.title": { zh: "个人信息说明", en: "Personal data" },
  "f.consent.text": {
    zh: "您的手机号码、称呼和地址仅用于办理本诉求、告知进展和回访，只有经办工作人员可见，不会在任何公开页面展示。",
    en: "Your phone number, name and address are used only to handle this request, tell you about its progress and ask for feedback. Only the staff handling it can see them; they are never shown on a public page.",
  },
  "f.consent": { zh: "我已阅读并同意上述个人信息说明 *", en: "I have read and accept the notice above *" },
  "f.submit": { zh: "提交", en: "Submit" },
  "f.sending": { zh: "正在提交…", en: "Sending…" },
  "done.title": { zh: "已收到您的反映", en: "We have received your report" },
  "done.number": { zh: "您的工单编号：", en: "Your ticket number:" },
  "done.keep": {
    zh: "请记下编号。查询进度时需输入编号和手机号码后四位。",
    en: "Please note it. To check progress you need the number and the last four digits of your phone.",
  },
  "done.link": { zh: "查看办理进度", en: "See the progress" },
  "done.again": { zh: "再反映一件事", en: "Report something else" },
  footer: { zh: "紧急情况请拨打 110、119、120。", en: "In an emergency call 110, 119 or 120." },
};

const MESSAGES = {
  description: {
    zh: "请填写问题描述（至少 5 个字）",
    en: "Please describe the problem (at least 5 characters)",
  },
  address: { zh: "请填写地址", en: "Please give the address" },
  phone: { zh: "请填写 11 位手机号码", en: "Please give an 11-digit mobile number" },
  consent: { zh: "请阅读并同意个人信息说明", en: "Please read and accept the personal-data notice" },
  photoType: { zh: "照片只能是 JPEG、PNG 或 WebP 格式", en: "Photos must be JPEG, PNG or WebP" },
  photoSize: { zh: "每张照片不能超过 {mb} MB", en: "Each photo may be at most {mb} MB" },
  photoCount: { zh: "最多上传 {n} 张照片", en: "At most {n} photos" },
  summary: { zh: "请修改以下问题后再提交：", en: "Please correct the following:" },
  located: { zh: "已获取位置，将随反映一并提交。", en: "Location found; it will be sent with the report." },
  locateFailed: {
    zh: "无法获取位置，请手动填写地址。",
    en: "Could not get your location; please type the address.",
  },
  photosHint: {
    zh: "最多 {n} 张，JPEG/PNG/WebP，每张不超过 {mb} MB。",
    en: "Up to {n}, JPEG/PNG/WebP, at most {mb} MB each.",
  },
};

const FIELD_IDS = { description: "description", address: "address", phone: "phone", consent: "consent" };

const t = (key, vars = {}) => MESSAGES[key][lang()].replace(/\{(\w+)\}/g, (_m, k) => String(vars[k] ?? ""));

const form = document.getElementById("report");
const summary = document.getElementById("summary");
const submit = document.getElementById("submit");
let config = { categories: [], photos: { maxBytes: 5 * 1024 * 1024, types: [], max: 3, enabled: false } };
let coords = null;
let draftKey = sessionStorage.getItem("intake.draft") ?? newDraftKey();
sessionStorage.setItem("intake.draft", draftKey);

function fillCategories() {
  const select = document.getElementById("category");
  const keep = select.value;
  for (const el of [...select.querySelectorAll("optgroup, option:not([value=''])")]) el.remove();
  const parents = config.categories.filter((c) => !c.parent);
  for (const p of parents) {
    const group = document.createElement("optgroup");
    group.label = p.name;
    const children = config.categories.filter((c) => c.parent === p.id);
    for (const c of children.length ? children : [p]) {
      const option = document.createElement("option");
      option.value = c.id;
      option.textContent = c.name;
      group.append(option);
    }
    select.append(group);
  }
  select.value = keep;
}

function photoHint() {
  const mb = Math.round((config.photos.maxBytes / 1024 / 1024) * 10) / 10;
  document.getElementById("photos-hint").textContent = t("photosHint", { n: config.photos.max, mb });
  document.getElementById("photos").closest(".field").hidden = !config.photos.enabled;
}

function setError(id, message) {
  const input = document.getElementById(id);
  const out = document.getElementById(`${id}-error`);
  if (message) input?.setAttribute("aria-invalid", "true");
  else input?.removeAttribute("aria-invalid");
  if (out) out.textContent = message ?? "";
}

function showSummary(messages) {
  summary.replaceChildren();
  if (!messages.length) return;
  const p = document.createElement("p");
  p.textContent = t("summary");
  const ul = document.createElement("ul");
  for (const { id, text } of messages) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `#${id}`;
    a.textContent = text;
    a.addEventListener("click", (e) => {
      e.preventDefault();
      document.getElementById(id)?.focus();
    });
    li.append(a);
    ul.append(li);
  }
  summary.append(p, ul);
  summary.focus();
}

/** The browser-side checks; the server checks all of them again. */
function validate() {
  const errors = [];
  const v = (id) => document.getElementById(id).value.trim();
  if (v("description").length < 5) errors.push({ id: "description", text: t("description") });
  if (v("address").length < 2) errors.push({ id: "address", text: t("address") });
  if (
    !/^1\d{10}$/.test(
      v("phone")
        .replace(/[\s-]/g, "")
        .replace(/^\+?86/, ""),
    )
  ) {
    errors.push({ id: "phone", text: t("phone") });
  }
  if (!document.getElementById("consent").checked) errors.push({ id: "consent", text: t("consent") });
  const files = [...document.getElementById("photos").files];
  const mb = Math.round((config.photos.maxBytes / 1024 / 1024) * 10) / 10;
  if (files.length > config.photos.max)
    errors.push({ id: "photos", text: t("photoCount", { n: config.photos.max }) });
  else if (files.some((f) => !config.photos.types.includes(f.type)))
    errors.push({ id: "photos", text: t("photoType") });
  else if (files.some((f) => f.size > config.photos.maxBytes))
    errors.push({ id: "photos", text: t("photoSize", { mb }) });
  for (const id of [...Object.values(FIELD_IDS), "photos"])
    setError(id, errors.find((e) => e.id === id)?.text);
  return errors;
}

function fieldOf(serverField) {
  if (!serverField) return null;
  if (serverField.startsWith("photos") || serverField === "size" || serverField === "contentType")
    return "photos";
  return FIELD_IDS[serverField.split(".")[0]] ?? null;
}

async function onSubmit(event) {
  event.preventDefault();
  const errors = validate();
  if (errors.length) {
    showSummary(errors);
    return;
  }
  showSummary([]);
  submit.disabled = true;
  submit.textContent = DICT["f.sending"][lang()];
  try {
    const photos = await uploadPhotos([...document.getElementById("photos").files]);
    const body = {
      description: document.getElementById("description").value,
      address: document.getElementById("address").value,
      phone: document.getElementById("phone").value,
      consent: true,
      photos,
      ...(document.getElementById("category").value
        ? { categoryId: document.getElementById("category").value }
        : {}),
      ...(document.getElementById("name").value.trim()
        ? { name: document.getElementById("name").value }
        : {}),
      ...(coords ? { lat: coords.lat, lng: coords.lng } : {}),
    };
    const result = await api("POST", "/v1/public/reports", {
      body,
      headers: { "idempotency-key": draftKey },
    });
    showDone(result.ticketNo);
  } catch (err) {
    const message = err instanceof ApiError ? pick(err.message) : String(err);
    const id = err instanceof ApiError ? fieldOf(err.field) : null;
    if (id) setError(id, message);
    showSummary([{ id: id ?? "description", text: message }]);
  } finally {
    submit.disabled = false;
    submit.textContent = DICT["f.submit"][lang()];
  }
}

function showDone(ticketNo) {
  document.getElementById("ticket-no").textContent = ticketNo;
  document.getElementById("status-link").href = `status.html?no=${encodeURIComponent(ticketNo)}`;
  form.hidden = true;
  const done = document.getElementById("done");
  done.hidden = false;
  done.focus();
  draftKey = newDraftKey();
  sessionStorage.setItem("intake.draft", draftKey);
}

document.getElementById("again").addEventListener("click", () => {
  form.reset();
  coords = null;
  document.getElementById("locate-status").textContent = "";
  document.getElementById("done").hidden = true;
  form.hidden = false;
  document.getElementById("description").focus();
});

document.getElementById("locate").addEventListener("click", () => {
  const status = document.getElementById("locate-status");
  if (!navigator.geolocation) {
    status.textContent = t("locateFailed");
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      coords = { lat: pos.coords.latitude, lng: pos.coords.longitude };
      status.textContent = `${t("located")} (${coords.lat.toFixed(5)}, ${coords.lng.toFixed(5)})`;
    },
    () => {
      status.textContent = t("locateFailed");
    },
    { timeout: 10000 },
  );
});

form.addEventListener("submit", onSubmit);
setupLangSwitch(DICT, () => {
  photoHint();
  if (summary.childElementCount) validate();
});

await loadEnv();
try {
  config = await api("GET", "/v1/public/config");
} catch {
  // The form still works without the picker: the category is optional.
}
fillCategories();
photoHint();
document.body.dataset.ready = "true";
