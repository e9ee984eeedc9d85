import { createHash } from "node:crypto";

/**
 * The rating page a web or Open311 reporter opens from their SMS link (`/rate/<token>`): one self-contained,
 * accessible HTML page — no external scripts, styles or fonts — that posts the rating to
 * `POST /v1/public/ratings/{token}`. The web-form issue may restyle it; the API is the contract.
 */
const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

const CHOICES: [number, string][] = [
  [5, "满意"],
  [4, "比较满意"],
  [3, "基本满意"],
  [2, "不太满意"],
  [1, "不满意"],
];

const SCRIPT = `
const form = document.getElementById("rate");
const status = document.getElementById("status");
form?.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  const rating = Number(data.get("rating"));
  if (!rating) { status.textContent = "请选择一个评价。"; return; }
  const comment = String(data.get("comment") || "").trim();
  form.querySelector("button").disabled = true;
  status.textContent = "正在提交…";
  try {
    const res = await fetch(form.dataset.api, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(comment ? { rating, comment } : { rating }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.ok) {
      form.hidden = true;
      status.textContent = body.outcome === "reopened"
        ? "感谢您的评价。我们已将工单重新交办（重办），会继续跟进。"
        : "感谢您的评价！";
    } else {
      status.textContent = res.status === 409 ? "该工单已评价过，感谢您。" : (body.error?.message || "提交失败，请稍后再试。");
      form.querySelector("button").disabled = res.status === 409;
    }
  } catch {
    status.textContent = "网络异常，请稍后再试。";
    form.querySelector("button").disabled = false;
  }
});
`;

/** The Content-Security-Policy of the page: nothing but itself and its one inline script (by hash). */
export const RATE_PAGE_CSP = `default-src 'none'; script-src 'sha256-${createHash("sha256").update(SCRIPT).digest("base64")}'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(title)}</title>
<style>
  body { font: 16px/1.6 system-ui, sans-serif; margin: 0; padding: 1rem; color: #1a1a1a; background: #f6f7f9; }
  main { max-width: 32rem; margin: 0 auto; background: #fff; padding: 1.25rem; border-radius: 8px; }
  h1 { font-size: 1.3rem; margin-top: 0; }
  fieldset { border: 1px solid #bbb; border-radius: 6px; margin: 1rem 0; }
  label { display: block; padding: .35rem 0; }
  textarea { width: 100%; box-sizing: border-box; min-height: 5rem; font: inherit; }
  button { font: inherit; padding: .6rem 1.4rem; background: #0b57d0; color: #fff; border: 0; border-radius: 6px; }
  button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
  #status { font-weight: 600; min-height: 1.6em; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export function ratePage(
  token: string,
  view: { ticketNo: string; title: string; result: string | null; status: string; rating: number | null },
): string {
  const head = `<h1>12345 办理结果评价</h1>
<p>工单编号：<strong>${esc(view.ticketNo)}</strong></p>
<p>反映事项：${esc(view.title)}</p>
${view.result ? `<p>办理结果：${esc(view.result)}</p>` : ""}`;
  if (view.status !== "pending") {
    const said = view.rating
      ? `（您的评价：${esc(CHOICES.find(([n]) => n === view.rating)?.[1] ?? String(view.rating))}）`
      : "";
    return page(
      "办理结果评价",
      `${head}<p id="status" role="status">该工单的回访已结束${said}，感谢您。</p>`,
    );
  }
  const radios = CHOICES.map(
    ([n, label]) => `<label><input type="radio" name="rating" value="${n}" required> ${label}</label>`,
  ).join("\n");
  return page(
    "办理结果评价",
    `${head}
<form id="rate" data-api="/v1/public/ratings/${esc(encodeURIComponent(token))}" novalidate>
<fieldset>
<legend>您对办理结果是否满意？</legend>
${radios}
</fieldset>
<label for="comment">意见（可选）</label>
<textarea id="comment" name="comment" maxlength="1000"></textarea>
<p><button type="submit">提交评价</button></p>
</form>
<noscript><p>请开启浏览器脚本后提交，或致电 12345 告诉我们您的评价。</p></noscript>
<p id="status" role="status" aria-live="polite"></p>
<script>${SCRIPT}</script>`,
  );
}

export function rateNotFoundPage(): string {
  return page("链接无效", `<h1>链接无效或已过期</h1><p>如需评价或继续反映问题，请致电 12345。</p>`);
}
