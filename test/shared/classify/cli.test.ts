import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { framedReports, routeReports, runRoutingBench, twinsOf } from "../../../bench/routing.js";
import { loadModelFile } from "../../../shared/classify/index.js";
import type { Classifier } from "../../../shared/classify/types.js";
import { defaultConfig } from "../../support/system.js";
import { fixturePath } from "./fixture.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const tsx = join(repoRoot, "node_modules/.bin/tsx");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tsx scripts/train.ts ...args` (what `npm run train -- ...args` runs). */
function train(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ["scripts/train.ts", ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
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

describe("npm run train", () => {
  const dir = mkdtempSync(join(tmpdir(), "classify-cli-"));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const modelPath = join(dir, "nested", "model.json");
  const runs: Record<string, Run> = {};

  beforeAll(async () => {
    // The runs are independent: start them together to keep the suite fast.
    const cases: Record<string, string[]> = {
      noArgs: [],
      unknownFlag: ["--data", "x.jsonl", "--bogus"],
      missingFile: ["--data", join(dir, "absent.jsonl")],
      missingLabel: [
        "--data",
        file("no-label.jsonl", '{"text":"停水了","label":"供水"}\n{"text":"太吵了"}\n'),
      ],
      missingColumn: ["--data", file("no-label.csv", "id,text\n1,停水了\n")],
      oneLabel: [
        "--data",
        file("one.jsonl", '{"text":"停水了","label":"供水"}\n{"text":"又停水","label":"供水"}\n'),
      ],
      roundTrip: ["--data", fixturePath("classify-train.csv"), "--out", modelPath],
    };
    const entries = await Promise.all(
      Object.entries(cases).map(async ([name, args]) => [name, await train(...args)] as const),
    );
    for (const [name, run] of entries) runs[name] = run;
  }, 120_000); // six processes at once: generous on a busy machine (not a timing assertion)

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("explains usage errors with exit code 2", () => {
    expect(runs.noArgs?.code).toBe(2);
    expect(runs.noArgs?.stderr).toMatch(/missing --data/);
    expect(runs.noArgs?.stderr).toMatch(/usage: npm run train/);
    expect(runs.unknownFlag?.code).toBe(2);
    expect(runs.unknownFlag?.stderr).toMatch(/bogus/);
  });

  it("reports a missing file, missing fields and a single label with exit code 1", () => {
    expect(runs.missingFile?.code).toBe(1);
    expect(runs.missingFile?.stderr).toMatch(/data file not found: .*absent\.jsonl/);
    expect(runs.missingLabel?.code).toBe(1);
    expect(runs.missingLabel?.stderr).toMatch(/JSONL line 2: missing string field "label"/);
    expect(runs.missingColumn?.code).toBe(1);
    expect(runs.missingColumn?.stderr).toMatch(/no "label" column/);
    expect(runs.oneLabel?.code).toBe(1);
    expect(runs.oneLabel?.stderr).toMatch(/at least 2 distinct labels.*found 1 \(供水\)/);
    for (const run of Object.values(runs)) expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("trains from CSV, writes the model and the model classifies", () => {
    const run = runs.roundTrip!;
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/read 32 rows/);
    expect(run.stdout).toMatch(/trained in [\d.]+ s: 5 labels/);
    expect(run.stdout).toContain(String(statSync(modelPath).size));
    const classifier = loadModelFile(modelPath);
    expect(classifier.suggest("楼下装修噪音太大，吵得睡不着", 1)[0]?.label).toBe("噪音");
    expect(classifier.suggest("公司拖欠工资，不交社保", 1)[0]?.label).toBe("劳动保障");
  });

  it("loadModelFile names a missing model file", () => {
    expect(() => loadModelFile(join(dir, "none.json"))).toThrow(/model file not found/);
  });
});

describe("routing bench", () => {
  it("says so and skips when the data file is absent", async () => {
    const result = await runRoutingBench({ train: join(tmpdir(), "no-such-dir", "train.jsonl") });
    expect(result.status).toBe("skipped");
    if (result.status === "skipped") expect(result.reason).toMatch(/not found/);
  });

  it("returns the numbers for a train/test pair", async () => {
    const result = await runRoutingBench({
      train: fixturePath("classify-train.jsonl"),
      test: fixturePath("classify-heldout.jsonl"),
      seedData: null,
    });
    expect(result.status).toBe("ok");
    if (result.status !== "ok") return;
    expect(result.testCount).toBe(15);
    expect(result.accuracy).toBe(1);
    expect(result.macroF1).toBe(1);
    expect(result.evaluation.perClass).toHaveLength(5);
    expect(result.modelBytes).toBeGreaterThan(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.medianMs);
    expect(result.evaluation.confusion.flat().reduce((a, b) => a + b, 0)).toBe(15);
    expect(result.ece).toBeGreaterThanOrEqual(0);
    // The colloquial set is scored and routed beside it (its labels are not this model's, so only the shape).
    expect(result.colloquial?.count).toBeGreaterThanOrEqual(350);
    for (const o of result.colloquial!.endToEnd.outcomes)
      expect(o.right + o.triage + o.wrong).toBeCloseTo(1, 9);
    // The dev set is also scored in a web-form frame; the fixture has no raw/pre-cut twins across train and test.
    expect(result.framedDev?.count).toBe(result.colloquialDev?.count);
    expect(result.twins.count).toBe(0);
    expect(result.formalCv).toBeNull();
  });

  it("frames reports in a web-form sentence and finds a message held twice, once pre-cut", () => {
    const framed = framedReports([{ text: "路灯坏了三天", label: "市政" }]);
    expect(framed[0]!.label).toBe("市政");
    expect(framed[0]!.text).toContain("路灯坏了三天");
    expect(framed[0]!.text.length).toBeGreaterThan(30);
    const raw = "小区东门的路灯坏了三个星期，晚上出门一片漆黑，老人孩子都不敢下楼，请尽快派人修理。";
    const cut = "小区 东门 路灯 坏 三个 星期 晚上 出门 一片漆黑 老人 孩子 不敢 下楼 请 尽快 派人 修理";
    const other = "学校门口的早餐摊卫生条件很差，苍蝇到处飞，孩子吃了拉肚子，希望有关部门查一查。";
    const train = [{ text: raw, label: "市政" }];
    expect(
      twinsOf(train, [
        { text: cut, label: "市政" },
        { text: other, label: "卫生" },
      ]),
    ).toEqual([true, false]);
    // The same format twice is the split's own duplicate check, not a twin.
    expect(twinsOf(train, [{ text: raw, label: "市政" }])).toEqual([false]);
  });

  it("routes reports through chooseCategory, lexicon refinement and the city's router", () => {
    // Always answers 城乡建设 at 0.6: the department then depends on the lexicon and the routing rules only.
    const fixed: Classifier = { suggest: () => [{ label: "城乡建设", confidence: 0.6 }] };
    const reports = [
      // 污水井 refines 城乡建设 to drainage → water.
      { text: "小区门口污水井冒水好几天了", label: "城乡建设", department: "water" },
      // 物业 refines to property-management, and the address places it in 新华街道 → its street office.
      {
        text: "物业天天不见人",
        label: "城乡建设",
        department: "dongcheng-xinhua",
        address: "东城区新华街道人民社区",
      },
      // Routed to 住建 by the parent category: the wrong desk for a bus complaint.
      { text: "公交车半小时不来", label: "交通运输", department: "transport" },
      // A department this city does not have can only be wrong or triaged.
      // (the demo city has 交警 since the routing issue; a fire brigade it still lacks)
      { text: "路口消防通道老被堵", label: "交通运输", department: "fire-brigade" },
    ];
    const e2e = routeReports(defaultConfig(), fixed, reports, [0.5, 0.7]);
    const [low, high] = e2e.outcomes;
    expect(low).toMatchObject({ threshold: 0.5, right: 0.5, triage: 0, wrong: 0.5, rightOfRouted: 0.5 });
    expect(low!.cost).toBeCloseTo(2.5, 9);
    expect(high).toMatchObject({ threshold: 0.7, right: 0, triage: 1, wrong: 0 });
    expect(e2e.recommended).toBe(high);
    expect(e2e.configured.threshold).toBe(0.5);
    expect(e2e.missingDepartments).toEqual([{ department: "fire-brigade", reports: 1 }]);
  });
});
