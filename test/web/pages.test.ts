import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

// The callbacks of page.evaluate run in the browser; the project's types are Node's (no DOM lib).
declare const document: any;
declare const window: any;

/** Screenshots land here for a person to look at (not compared: the page is checked through the DOM). */
const SCREENSHOTS = join(tmpdir(), "intake-screenshots");
mkdirSync(SCREENSHOTS, { recursive: true });

let sys: TestSystem;
let browser: Browser;
let context: BrowserContext;

// A 1×1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

beforeAll(async () => {
  const config = defaultConfig();
  config.publicAccess = { ...config.publicAccess, reportsPerWindow: 1000, lookupsPerWindow: 1000 };
  sys = await startTestSystem("web-form", config);
  browser = await chromium.connect(inject("browserWsEndpoint"));
  context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "zh-CN" });
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await sys?.stop();
});

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${sys.baseUrl}${path}`);
  await page.waitForSelector("body[data-ready]", { state: "attached" });
  return page;
}

async function noHorizontalScroll(page: Page) {
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    view: window.innerWidth,
  }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.view);
}

async function axeViolations(page: Page) {
  await page.addScriptTag({ path: "node_modules/axe-core/axe.min.js" });
  const violations = await page.evaluate(async () => {
    const result: { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] } =
      await window.axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(" ")),
    }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Presses Tab until the element with `id` has the focus (keyboard only, as a person would). */
async function tabTo(page: Page, id: string) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
  }
  throw new Error(`Tab never reached #${id}`);
}

// A real browser on a shared 2-core machine: generous time, the assertions are on the DOM.
const SLOW = { timeout: 120_000 };

describe("the web form at phone width (360 px)", SLOW, () => {
  it("files a report with a photo, shows the ticket number, and its status page shows the progress", async () => {
    const page = await open("/");
    await expect(page.title()).resolves.toBe("12345 市民诉求在线反映");
    await noHorizontalScroll(page);
    await page.selectOption("#category", "drainage");
    await page.fill("#description", "东城区新华街道人民路的下水道堵塞，污水漫到了人行道上。");
    await page.fill("#address", "东城区新华街道人民路20号");
    await page.setInputFiles("#photos", { name: "drain.png", mimeType: "image/png", buffer: PNG });
    await page.fill("#phone", "13811112222");
    await page.check("#consent");
    await page.screenshot({ path: join(SCREENSHOTS, "form-filled.png"), fullPage: true });
    await page.click("#submit");
    await page.locator("#done").waitFor({ state: "visible" });
    const ticketNo = (await page.textContent("#ticket-no"))?.trim() ?? "";
    expect(ticketNo).toMatch(/^\d{8}-\d{6}$/);
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(SCREENSHOTS, "form-done.png"), fullPage: true });

    // The ticket really is there, as a web ticket with the photo.
    const list = await sys.call("GET", "/v1/tickets?phone=13811112222", { key: sys.keys.operator });
    const stored = await sys.call("GET", `/v1/tickets/${list.body.items[0].id}`, { key: sys.keys.operator });
    expect(stored.body).toMatchObject({ ticketNo, channel: "web", categoryId: "drainage" });
    expect(stored.body.attachments).toHaveLength(1);
    await sys.call("POST", `/v1/tickets/${stored.body.id}/actions`, {
      key: sys.keys.departments.water!,
      body: { action: "accept", note: "已派疏通车前往" },
    });

    await page.click("#status-link");
    await page.waitForURL(/status\.html\?no=/);
    await expect(page.inputValue("#ticketNo")).resolves.toBe(ticketNo);
    await page.fill("#phone4", "2222");
    await page.click("button[type=submit]");
    await page.locator("#result").waitFor({ state: "visible" });
    await expect(page.textContent("#r-status")).resolves.toBe("办理中");
    await expect(page.textContent("#r-progress")).resolves.toContain("已派疏通车前往");
    await expect(page.textContent("#r-area")).resolves.toBe("东城区 新华街道");
    await expect(page.textContent("body")).resolves.not.toContain("13811112222");
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(SCREENSHOTS, "status.png"), fullPage: true });

    await page.fill("#phone4", "0000");
    await page.click("button[type=submit]");
    await page.waitForFunction(() => (document.getElementById("message")?.textContent ?? "").length > 0);
    await expect(page.textContent("#message")).resolves.toBe("未找到该工单，或手机号后四位不符");
    await page.close();
  });

  it("can be filled and submitted with the keyboard alone", async () => {
    const page = await open("/");
    await tabTo(page, "category");
    await page.keyboard.press("ArrowDown");
    await tabTo(page, "description");
    await page.keyboard.type("和平街道安乐社区的路灯坏了一个星期，晚上很黑。");
    await page.keyboard.press("Tab");
    await page.keyboard.type("东城区和平街道安乐社区5栋");
    await tabTo(page, "phone");
    await page.keyboard.type("13933334444");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("consent");
    await page.keyboard.press("Space");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("submit");
    await page.keyboard.press("Enter");
    await page.locator("#done").waitFor({ state: "visible" });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("done");
    await expect(page.textContent("#ticket-no")).resolves.toMatch(/^\d{8}-\d{6}$/);
    await page.close();
  });

  it("shows the browser-side checks next to the fields and in a summary that takes the focus", async () => {
    const page = await open("/");
    await page.click("#submit");
    await expect(page.textContent("#description-error")).resolves.toContain("请填写问题描述");
    await expect(page.getAttribute("#phone", "aria-invalid")).resolves.toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("summary");
    await page.screenshot({ path: join(SCREENSHOTS, "form-errors.png"), fullPage: true });
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it("has no serious or critical accessibility violation (axe-core), in Chinese and in English", async () => {
    for (const path of ["/", "/status.html", "/grid.html"]) {
      const page = await open(path);
      expect(await axeViolations(page), path).toEqual([]);
      await page.click("#lang");
      await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe("en");
      expect(await axeViolations(page), `${path} (English)`).toEqual([]);
      await page.click("#lang"); // back to Chinese for the other tests (the choice is kept in localStorage)
      await page.close();
    }
  });

  it("switches to English and back", async () => {
    const page = await open("/");
    await page.click("#lang");
    await expect(page.textContent("label[for=description]")).resolves.toContain("What is the problem?");
    await page.screenshot({ path: join(SCREENSHOTS, "form-en.png"), fullPage: true });
    await page.click("#lang");
    await expect(page.textContent("label[for=description]")).resolves.toContain("问题描述");
    await page.close();
  });

  it("shows the server's refusal of a 20 MB photo in Chinese (even when the page's own check is out of date)", async () => {
    const page = await context.newPage();
    // An outdated page that believes 50 MB is fine: the server must still refuse.
    await page.route("**/v1/public/config", async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.photos.maxBytes = 50 * 1024 * 1024;
      await route.fulfill({ response: res, json: body });
    });
    await page.goto(`${sys.baseUrl}/`);
    await page.waitForSelector("body[data-ready]", { state: "attached" });
    await page.fill("#description", "西湖区北山街道保俶社区垃圾桶满了没人清运。");
    await page.fill("#address", "西湖区北山街道保俶路1号");
    // A 20 MB photo made inside the page (faster than sending 20 MB over the browser connection).
    await page.evaluate(() => {
      const input = document.getElementById("photos");
      const files = new window.DataTransfer();
      files.items.add(
        new window.File([new Uint8Array(20 * 1024 * 1024)], "huge.jpg", { type: "image/jpeg" }),
      );
      input.files = files.files;
    });
    await page.fill("#phone", "13955556666");
    await page.check("#consent");
    await page.click("#submit");
    await page.waitForFunction(() => (document.getElementById("photos-error")?.textContent ?? "").length > 0);
    const message = await page.textContent("#photos-error");
    expect(message).toContain("照片不能超过 5 MB");
    expect(message).not.toMatch(/[A-Za-z]{4,}/);
    await expect(page.isVisible("#done")).resolves.toBe(false);
    await page.screenshot({ path: join(SCREENSHOTS, "form-refused.png"), fullPage: true });
    const list = await sys.call("GET", "/v1/tickets?phone=13955556666", { key: sys.keys.operator });
    expect(list.body.items).toEqual([]);
    await page.close();
  });
});

describe("the grid worker's page (360 px)", SLOW, () => {
  it("keeps the key, files a report handled on the spot, sends the zero report and lists open items", async () => {
    const page = await open("/grid.html");
    await page.fill("#key", sys.keys["grid-worker"]);
    await page.click("#key-form button[type=submit]");
    await page.locator("#work").waitFor({ state: "visible" });
    await page.reload();
    await page.waitForSelector("body[data-ready]", { state: "attached" });
    await expect(page.isVisible("#work")).resolves.toBe(true); // the key was kept

    await page.selectOption("#category", "manhole");
    await page.fill("#description", "保俶路口井盖松动");
    await page.fill("#address", "西湖区北山街道保俶路口");
    await page.fill("#resident-phone", "13744445555");
    await page.click("#submit");
    await page.waitForFunction(() => (document.getElementById("ok")?.textContent ?? "").includes("工单编号"));
    await page.waitForFunction(
      () =>
        document.querySelectorAll("#mine li").length === 1 &&
        document.querySelector("#mine li")?.textContent?.includes("井盖"),
    );

    await page.fill("#description", "路边垃圾散落");
    await page.fill("#address", "西湖区北山街道保俶路5号");
    await page.check("#onsite");
    await page.fill("#result", "已清扫干净");
    await page.click("#submit");
    await page.waitForFunction(() => (document.getElementById("ok")?.textContent ?? "").includes("工单编号"));
    await page.click("#zero");
    await page.waitForFunction(() => (document.getElementById("ok")?.textContent ?? "").includes("零报告"));
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(SCREENSHOTS, "grid.png"), fullPage: true });

    const mine = await sys.call("GET", "/v1/patrols/mine", { key: sys.keys["grid-worker"] });
    expect(mine.body.items).toHaveLength(1); // the on-site one is closed
    const resident = await sys.call("GET", "/v1/tickets?phone=13744445555", { key: sys.keys.operator });
    expect(resident.body.items).toHaveLength(1);
    await page.close();
  });
});

describe("the grid worker's work list (小事一格解决 to the grid worker, 360 px)", SLOW, () => {
  let gw: TestSystem;
  let gridContext: BrowserContext;
  beforeAll(async () => {
    const config = defaultConfig();
    config.smallMatters.to = "grid-worker";
    gw = await startTestSystem("web-gridwork", config);
    gridContext = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "zh-CN" });
  });
  afterAll(async () => {
    await gridContext?.close();
    await gw?.stop();
  });

  it("lists the small matters of the worker's grid; accepts, resolves and hands one up", async () => {
    // Two small matters inside one cell of the demo city's lattice (scripts/city/generate.ts).
    const spot = { address: "长河路边", lng: 120.119 + 8.5 * 0.006, lat: 30.24 + 0.5 * 0.005 };
    const file = async (what: string, phone: string) => {
      const res = await gw.call("POST", "/v1/tickets", {
        key: gw.keys.operator,
        body: report({
          title: what,
          description: `${what}，请尽快处理。`,
          categoryId: "sanitation",
          location: spot,
          reporter: { phone },
        }),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.handlingGrid).toBeTruthy();
      return res.body;
    };
    const first = await file("垃圾桶满了溢出来", "13811112222");
    const second = await file("绿化带里堆了建筑垃圾", "13811113333");
    const a = first.location.area;
    const { issueApiKey } = await import("../../shared/services/auth.js");
    const { key } = await issueApiKey(gw.runtime.core.keys, {
      role: "grid-worker",
      grid: `${a.district}/${a.street}/${a.community}/${a.grid}`,
      label: "page-worker",
    });

    const page = await gridContext.newPage();
    await page.goto(`${gw.baseUrl}/grid.html`);
    await page.waitForSelector("body[data-ready]", { state: "attached" });
    await page.fill("#key", key);
    await page.click("#key-form button[type=submit]");
    const row = (id: string) => `#tasks li[data-ticket="${id}"]`;
    await page.waitForSelector(row(first.id));
    await page.waitForSelector(row(second.id));
    await expect(page.textContent(row(first.id))).resolves.toContain("待签收");
    await expect(page.textContent(row(first.id))).resolves.toContain(first.ticketNo);
    // the worker never sees the reporter's phone
    await expect(page.textContent("#tasks")).resolves.not.toContain("13811112222");
    await noHorizontalScroll(page);

    await page.click(`${row(first.id)} button[data-action=accept]`);
    await page.waitForSelector(`${row(first.id)} button[data-action=resolve]`);
    await expect(page.textContent(row(first.id))).resolves.toContain("办理中");
    await page.screenshot({ path: join(SCREENSHOTS, "grid-tasks.png"), fullPage: true });
    expect(await axeViolations(page)).toEqual([]); // with the note field and the buttons of an accepted item
    // resolving needs a word on what was done; the page says so and sends nothing
    await page.click(`${row(first.id)} button[data-action=resolve]`);
    await expect(page.textContent("#notice")).resolves.toContain("请先填写");
    expect((await gw.call("GET", `/v1/tickets/${first.id}`, { key: gw.keys.dispatcher })).body.status).toBe(
      "accepted",
    );
    await page.fill(`#note-${first.id}`, "已清运并消毒");
    await page.click(`${row(first.id)} button[data-action=resolve]`);
    await page.waitForFunction(() => (document.getElementById("ok")?.textContent ?? "").includes("已处理"));
    await page.waitForSelector(row(first.id), { state: "detached" });
    const resolved = await gw.call("GET", `/v1/tickets/${first.id}`, { key: gw.keys.dispatcher });
    expect(resolved.body).toMatchObject({ status: "resolved", resolution: { result: "已清运并消毒" } });

    await page.click(`${row(second.id)} button[data-action=accept]`);
    await page.waitForSelector(`${row(second.id)} button[data-action=handUp]`);
    await page.fill(`#note-${second.id}`, "需要清运车，网格内处理不了");
    await page.click(`${row(second.id)} button[data-action=handUp]`);
    await page.waitForSelector(row(second.id), { state: "detached" });
    const up = await gw.call("GET", `/v1/tickets/${second.id}`, { key: gw.keys.dispatcher });
    expect(up.body).toMatchObject({ status: "dispatched", handlingGrid: null, department: first.department });
    await expect(page.textContent("#tasks")).resolves.toContain("暂无交办事项");

    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });
});

describe("static files", () => {
  it("serves web/ with content types and never outside it", async () => {
    const css = await fetch(`${sys.baseUrl}/app.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const js = await fetch(`${sys.baseUrl}/report.js`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    for (const path of [
      "/../package.json",
      "/%2e%2e/package.json",
      "/..%2fpackage.json",
      "/.hidden",
      "/%00",
    ]) {
      const res = await fetch(`${sys.baseUrl}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain("citizen-request-intake");
    }
  });
});
