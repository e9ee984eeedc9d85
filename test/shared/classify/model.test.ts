import { describe, expect, it } from "vitest";
import {
  createModelClassifier,
  loadModel,
  parseModel,
  type Suggestion,
  serializeModel,
  trainModel,
} from "../../../shared/classify/index.js";
import { heldOutRows, trainRows } from "./fixture.js";

const model = trainModel(trainRows);
const bytes = serializeModel(model);
const classifier = loadModel(bytes);

function expectSane(suggestions: Suggestion[]): void {
  let sum = 0;
  let previous = Number.POSITIVE_INFINITY;
  for (const s of suggestions) {
    expect(model.labels).toContain(s.label);
    expect(s.confidence).toBeGreaterThanOrEqual(0);
    expect(s.confidence).toBeLessThanOrEqual(1);
    expect(s.confidence).toBeLessThanOrEqual(previous);
    previous = s.confidence;
    sum += s.confidence;
  }
  expect(sum).toBeLessThanOrEqual(1 + 1e-9);
}

describe("learned model", () => {
  it("classifies held-out sentences it has never seen", () => {
    const wrong = heldOutRows
      .map((r) => ({ ...r, got: classifier.suggest(r.text, 1)[0]?.label }))
      .filter((r) => r.got !== r.label);
    expect(wrong).toEqual([]);
  });

  it("ranks suggestions best first with confidences in [0,1] summing to at most 1", () => {
    for (const row of heldOutRows) {
      const all = classifier.suggest(row.text);
      expect(all).toHaveLength(model.labels.length);
      expectSane(all);
      expect(classifier.suggest(row.text, 2)).toEqual(all.slice(0, 2));
    }
    expect(classifier.suggest("自来水停水了", 0)).toEqual([]);
  });

  it("accepts text already cut into words", () => {
    expect(classifier.suggest("小区 门口 污水井 冒水 好几天", 1)[0]?.label).toBe("供水排水");
    expect(classifier.suggest("公司 拖欠 工资 不发", 1)[0]?.label).toBe("劳动保障");
  });

  it("maps traditional characters and full-width letters", () => {
    expect(classifier.suggest("社區門口的汙水井又冒水了，自來水也停了", 1)[0]?.label).toBe("供水排水");
    expect(classifier.suggest("樓下ＫＴＶ半夜太吵，噪音擾民", 1)[0]?.label).toBe("噪音");
  });

  it("handles mixed Chinese and English", () => {
    const top = classifier.suggest("楼下的KTV每天midnight还在唱歌，noise很大，吵得睡不着", 1)[0];
    expect(top?.label).toBe("噪音");
  });

  it("returns nothing for empty, blank, punctuation-only and emoji-only text", () => {
    for (const text of ["", "   ", "，。！？……", "😀🎉🚰💧", "\u200b\n\t"]) {
      expect(classifier.suggest(text)).toEqual([]);
    }
  });

  it("gives no confident answer for English text or text it knows nothing about", () => {
    for (const text of ["The water pipe outside my house has been leaking for days", "qwertyuiop", "12345"]) {
      const suggestions = classifier.suggest(text);
      expectSane(suggestions);
      expect(suggestions[0]?.confidence ?? 0).toBeLessThan(0.5);
    }
  });

  it("handles very long text quickly", () => {
    const long = `工地半夜施工噪音太大${"啊".repeat(100_000)}`;
    const start = performance.now();
    const suggestions = classifier.suggest(long);
    expect(performance.now() - start).toBeLessThan(200);
    expectSane(suggestions);
    expect(suggestions[0]?.label).toBe("噪音");
    expectSane(classifier.suggest("停水".repeat(60_000)));
  });

  it("ignores non-string input instead of throwing", () => {
    expect(classifier.suggest(undefined as unknown as string)).toEqual([]);
  });

  it("is deterministic: same data gives byte-identical model files", () => {
    const again = serializeModel(trainModel(trainRows));
    expect(again).toBe(bytes);
    expect(serializeModel(parseModel(bytes))).toBe(bytes);
    expect(loadModel(Buffer.from(bytes)).suggest("停水三天了")).toEqual(classifier.suggest("停水三天了"));
  });

  it("changes with the seed only through the shuffle order, not the answers on clear text", () => {
    const other = createModelClassifier(trainModel(trainRows, { seed: 7 }));
    for (const row of heldOutRows) expect(other.suggest(row.text, 1)[0]?.label).toBe(row.label);
  });

  it("refuses to train on fewer than two labels", () => {
    expect(() => trainModel([{ text: "停水", label: "供水排水" }])).toThrow(/at least 2 distinct labels/);
    expect(() => trainModel([])).toThrow(/at least 2 distinct labels/);
  });

  it("rejects malformed model files", () => {
    expect(() => loadModel("not json")).toThrow(/invalid category model/);
    expect(() => loadModel("{}")).toThrow(/invalid category model/);
    const file = JSON.parse(bytes) as Record<string, unknown>;
    expect(() => loadModel(JSON.stringify({ ...file, weights: "AAAA" }))).toThrow(/weights length/);
    expect(() => loadModel(JSON.stringify({ ...file, version: 99 }))).toThrow(/unsupported version/);
  });
});
