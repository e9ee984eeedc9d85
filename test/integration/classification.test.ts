import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeModel } from "../../shared/classify/model.js";
import { trainModel } from "../../shared/classify/trainer.js";
import { defaultConfig, report, startTestSystem, type TestSystem } from "../support/system.js";

// Messages written for this test: two topics, labelled the way a city's history would be.
const HISTORY: { text: string; label: string }[] = [
  ...[
    "楼下饭店油烟直排熏得没法开窗",
    "工厂夜里偷偷排放废气味道刺鼻",
    "广场舞音响太吵晚上十点还不停",
    "河道里漂满垃圾水发黑发臭",
    "隔壁工地半夜打桩噪音扰民",
    "垃圾站臭味很大夏天苍蝇成群",
    "小区旁边有人焚烧垃圾浓烟滚滚",
    "养殖场粪水流进河里污染严重",
    "商铺门口大喇叭整天循环播放噪声扰民",
    "汽修厂喷漆异味很重影响居民健康",
  ].map((text) => ({ text, label: "环境保护" })),
  ...[
    "公司拖欠三个月工资老板不见了",
    "工地包工头欠农民工工钱不给",
    "单位不给缴纳社保养老保险断缴",
    "辞退员工不给经济补偿",
    "装修公司拖欠工人工资讨薪无门",
    "退休金迟迟没有发放",
    "工厂不签劳动合同还扣押身份证",
    "医保报销比例问题咨询",
    "失业保险金怎么申领",
    "加班费一直不发工资条也不给",
  ].map((text) => ({ text, label: "劳动和社会保障" })),
];

describe("category suggestion in intake", () => {
  let lexicon: TestSystem;
  let learned: TestSystem;
  let strict: TestSystem;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "intake-model-"));
    const modelPath = join(dir, "model.json");
    writeFileSync(modelPath, serializeModel(trainModel(HISTORY)));
    const withModel = defaultConfig();
    withModel.classifier.modelPath = modelPath;
    const picky = defaultConfig();
    picky.classifier.threshold = 0.99;
    [lexicon, learned, strict] = await Promise.all([
      startTestSystem("lexicon"),
      startTestSystem("model", withModel),
      startTestSystem("strict", picky),
    ]);
  });
  afterAll(async () => {
    await Promise.all([lexicon?.stop(), learned?.stop(), strict?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (sys: TestSystem, fields: Record<string, unknown>) =>
    sys.call("POST", "/v1/tickets", { key: sys.keys.operator, body: report(fields) });

  it("without a model, the city's keyword lexicon routes a clear report by itself", async () => {
    const res = await file(lexicon, {
      title: "小区门口污水井冒水好几天了",
      description: "污水井一直往外冒水，下水道堵塞了。",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      categoryId: "drainage",
      categorySource: "suggested",
      department: "water",
    });
    expect(res.body.suggestion.label).toBe("drainage");
    expect(res.body.suggestion.confidence).toBeGreaterThanOrEqual(0.5);
  });

  it("an explicit category always wins over the suggestion", async () => {
    const res = await file(lexicon, {
      title: "小区门口污水井冒水好几天了",
      description: "污水井一直往外冒水。",
      categoryId: "property-management",
    });
    expect(res.body).toMatchObject({ categoryId: "property-management", categorySource: "explicit" });
    expect(res.body.department).toBe("dongcheng-xinhua");
  });

  it("with a trained model, its label maps to a category and the lexicon refines it to a sub-category", async () => {
    const noise = await file(learned, {
      title: "晚上广场舞太吵",
      description: "每天晚上音响噪音扰民到十点多。",
    });
    expect(noise.body.suggestion.label).toBe("环境保护");
    expect(noise.body).toMatchObject({ categoryId: "noise", categorySource: "suggested", department: "eco" });

    const wages = await file(learned, {
      title: "老板拖欠工资",
      description: "工地包工头欠我们两个月工钱不给。",
    });
    expect(wages.body.suggestion.label).toBe("劳动和社会保障");
    expect(wages.body).toMatchObject({ categoryId: "wage-arrears", department: "hrss" });
  });

  it("below the confidence threshold the ticket goes to triage, keeping the suggestion", async () => {
    const res = await file(strict, { title: "污水井冒水", description: "门口污水井冒水。" });
    expect(res.body.status).toBe("triage");
    expect(res.body.categoryId).toBeNull();
    expect(res.body.suggestion).toMatchObject({ label: "drainage", categoryId: "drainage" });
    expect(res.body.suggestion.confidence).toBeLessThan(0.99);
  });

  it("English or emoji-only text does not break intake", async () => {
    for (const title of ["Broken street light on Main Road", "🚧🚧🚧"]) {
      const res = await file(learned, { title, description: title });
      expect(res.status).toBe(201);
      expect(["dispatched", "triage"]).toContain(res.body.status);
    }
  });
});
