// Learning from the city's corrections: closed tickets read from the table (DynamoDB Local) become training rows,
// and `npm run train -- --from-table` replaces the model only when the new one is not worse.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIRMED_WEIGHT, isHeldBack, readCorrections } from "../../../shared/classify/corrections.js";
import { parseLabelledJsonl } from "../../../shared/classify/dataset.js";
import { loadModel, serializeModel } from "../../../shared/classify/model.js";
import { VOICE_WEIGHT } from "../../../shared/classify/recipe.js";
import { trainModel } from "../../../shared/classify/trainer.js";
import type { LabelledTicket } from "../../../shared/ports.js";
import { modelLabelOf } from "../../../shared/services/classifier-setup.js";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../../support/system.js";
import { fixturePath } from "./fixture.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const tsx = join(repoRoot, "node_modules/.bin/tsx");

// Per label of the colloquial set: the category a ticket of that label ends with, and its department.
const CATEGORY: Record<string, { categoryId: string; department: string }> = {
  城乡建设: { categoryId: "property-management", department: "zhujian" },
  环境保护: { categoryId: "noise", department: "eco" },
  交通运输: { categoryId: "public-transport", department: "transport" },
  劳动和社会保障: { categoryId: "wage-arrears", department: "hrss" },
  教育文体: { categoryId: "schooling", department: "education" },
  商贸旅游: { categoryId: "consumer-rights", department: "market" },
  卫生计生: { categoryId: "health-care", department: "health" },
};

// Reports the team wrote (the colloquial evaluation fixture), filed as tickets.
const reports = readFileSync(fixturePath("colloquial-eval.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { text: string; label: string });

let sys: TestSystem;
const closed = new Map<string, { label: string; source: "dispatcher" | "confirmed" }>();
let openId = "";
const dir = mkdtempSync(join(tmpdir(), "train-table-"));

async function act(id: string, key: string, body: Record<string, unknown>) {
  const res = await sys.call("POST", `/v1/tickets/${id}/actions`, { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Files a report and closes it: categorised by the operator, or by a dispatcher after a return (退单). */
async function fileAndClose(text: string, label: string, byDispatcher: boolean): Promise<string> {
  const target = CATEGORY[label]!;
  const filed = await sys.call("POST", "/v1/tickets", {
    key: sys.keys.operator,
    body: report({
      title: text.slice(0, 40),
      description: text,
      // The dispatcher path starts with a wrong category that the department returns.
      categoryId: byDispatcher ? "drainage" : target.categoryId,
    }),
  });
  expect(filed.status).toBe(201);
  const id = filed.body.id as string;
  let department = filed.body.department as string;
  if (byDispatcher) {
    await act(id, sys.keys.departments[department]!, { action: "return", reason: "不属于本单位职责" });
    await act(id, sys.keys.dispatcher, {
      action: "assign",
      department: target.department,
      categoryId: target.categoryId,
    });
    department = target.department;
  }
  const key = sys.keys.departments[department]!;
  await act(id, key, { action: "accept" });
  await act(id, key, { action: "resolve", result: "已处理完毕" });
  const done = await act(id, sys.keys.dispatcher, { action: "verify", passed: true });
  expect(done.status).toBe("closed");
  return id;
}

beforeAll(async () => {
  sys = await startTestSystem("train-table");
  // Enough tickets that the held-back slice (about a fifth, chosen by ticket id) has at least two.
  let heldBack = 0;
  for (let i = 0; i < reports.length && (i < 14 || heldBack < 2); i++) {
    const r = reports[(i * 37) % reports.length]!;
    const source = i % 2 === 0 ? "dispatcher" : "confirmed";
    const id = await fileAndClose(r.text, r.label, source === "dispatcher");
    closed.set(id, { label: r.label, source });
    if (isHeldBack(id)) heldBack++;
  }
  const open = await sys.call("POST", "/v1/tickets", {
    key: sys.keys.operator,
    body: report({ categoryId: "noise", title: "楼下烧烤店半夜还在吆喝", description: "吵得睡不着" }),
  });
  openId = open.body.id;
}, 120_000);

afterAll(async () => {
  await sys?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("store.listClosedForTraining", () => {
  it("pages through every closed ticket with only the training fields", async () => {
    const items: LabelledTicket[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await sys.runtime.core.store.listClosedForTraining(3, cursor);
      expect(page.items.length).toBeLessThanOrEqual(3);
      items.push(...page.items);
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 100);
    expect(new Set(items.map((t) => t.id))).toEqual(new Set(closed.keys()));
    expect(items.map((t) => t.id)).not.toContain(openId);
    expect(pages).toBeGreaterThan(1);
    for (const t of items) {
      expect(Object.keys(t).sort()).toEqual(
        ["categoryId", "categorySource", "closedAt", "description", "id", "returnCount", "title"].sort(),
      );
      expect(t.closedAt).not.toBeNull();
    }
    // No reporter data leaves the table (report() files as 李四, 13900001111).
    expect(JSON.stringify(items)).not.toMatch(/13900001111|李四/);
    const returned = items.filter((t) => t.categorySource === "dispatcher");
    expect(returned.length).toBeGreaterThan(0);
    for (const t of returned) expect(t.returnCount).toBe(1);
  });

  it("refuses a forged cursor with a 4xx-style validation error naming the field", async () => {
    await expect(sys.runtime.core.store.listClosedForTraining(3, "bm90LWEtY3Vyc29y")).rejects.toMatchObject({
      field: "cursor",
    });
  });
});

describe("readCorrections", () => {
  it("labels each closed ticket through the city's label map and weighs dispatcher categories most", async () => {
    const { examples, summary } = await readCorrections(
      sys.runtime.core.store,
      modelLabelOf(defaultConfig()),
      { pageSize: 4 },
    );
    expect(summary.read).toBe(closed.size);
    expect(summary.skipped).toBe(0);
    expect(summary.dispatcher).toBe([...closed.values()].filter((c) => c.source === "dispatcher").length);
    expect(summary.confirmed).toBe(closed.size - summary.dispatcher);
    for (const e of examples) {
      const expected = closed.get(e.ticketId)!;
      expect(e.label).toBe(expected.label);
      expect(e.source).toBe(expected.source);
      expect(e.weight).toBe(expected.source === "dispatcher" ? VOICE_WEIGHT : CONFIRMED_WEIGHT);
      expect(e.text.length).toBeGreaterThan(0);
    }
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function train(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ["scripts/train.ts", ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        TABLE_NAME: sys.settings.tableName,
        DYNAMODB_ENDPOINT: sys.settings.dynamoEndpoint ?? "",
        AWS_REGION: sys.settings.region,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm run train -- --from-table", () => {
  const model = join(dir, "model.json");
  const seed = fixturePath("colloquial-seed.jsonl");

  it("trains on the table plus seed data, scores the held-back slice and writes the first model", async () => {
    const run = await train("--from-table", "--seed-data", seed, "--out", model);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const heldBack = [...closed.keys()].filter((id) => isHeldBack(id)).length;
    expect(run.stdout).toContain(`read ${closed.size} closed tickets from the table`);
    expect(run.stdout).toContain(`${closed.size - heldBack} used for training, ${heldBack} held back`);
    expect(run.stdout).toMatch(/new model on the held-back slice \(\d+ tickets\): accuracy [\d.]+/);
    expect(run.stdout).toMatch(/wrote .*model\.json/);
  }, 60_000);

  it("keeps the old model when the new one is worse on the held-back slice", async () => {
    // The old model knows the held-back tickets (it was trained on them), so it is right on all of them.
    const { examples } = await readCorrections(sys.runtime.core.store, modelLabelOf(defaultConfig()));
    const heldBack = examples.filter((e) => isHeldBack(e.ticketId));
    expect(heldBack.length).toBeGreaterThanOrEqual(2);
    const oldModel = trainModel([
      ...parseLabelledJsonl(readFileSync(seed, "utf8")),
      ...heldBack.map((e) => ({ text: e.text, label: e.label, weight: 20 })),
    ]);
    const oldText = serializeModel(oldModel);
    const old = loadModel(oldText);
    for (const e of heldBack) expect(old.suggest(e.text, 1)[0]?.label).toBe(e.label);
    const oldPath = join(dir, "old-model.json");
    writeFileSync(oldPath, oldText);
    // Seed data with every label shifted to the next one: a model trained on it is wrong on purpose.
    const labels = Object.keys(CATEGORY);
    const wrong = readFileSync(seed, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const row = JSON.parse(line) as { text: string; label: string };
        const next = labels[(labels.indexOf(row.label) + 1) % labels.length]!;
        return JSON.stringify({ text: row.text, label: next });
      });
    const misleading = join(dir, "misleading.jsonl");
    writeFileSync(misleading, `${[...wrong, ...wrong, ...wrong].join("\n")}\n`);
    const run = await train("--from-table", "--seed-data", misleading, "--out", oldPath);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/old model .*: accuracy 1\.000/);
    expect(run.stdout).toContain("kept the old model");
    expect(readFileSync(oldPath, "utf8")).toBe(oldText);
  }, 60_000);
});
