import { describe, expect, it } from "vitest";
import type { Classifier } from "../../../shared/classify/types.js";
import { createCategorySuggester } from "../../../shared/services/classifier-setup.js";
import { defaultConfig } from "../../support/system.js";

const fixed = (label: string, confidence = 0.9): Classifier => ({
  suggest: () => [{ label, confidence }],
});

describe("createCategorySuggester", () => {
  const config = defaultConfig();

  it("maps a model label through classifier.labels and refines it with the lexicon", () => {
    const s = createCategorySuggester(config, fixed("环境保护"));
    expect(s.suggest("楼下广场舞噪音太大")).toEqual({
      label: "环境保护",
      confidence: 0.9,
      categoryId: "noise",
    });
    expect(s.suggest("说不清楚的事")).toEqual({
      label: "环境保护",
      confidence: 0.9,
      categoryId: "environment",
    });
  });

  it("never treats inherited object properties as label mappings", () => {
    for (const label of ["constructor", "toString", "__proto__"]) {
      expect(createCategorySuggester(config, fixed(label)).suggest("任意文字")?.categoryId).toBeNull();
    }
  });

  it("reads a model given as a loader only when the first suggestion is asked for", () => {
    let loads = 0;
    const s = createCategorySuggester(config, () => {
      loads++;
      return fixed("劳动和社会保障");
    });
    expect(loads).toBe(0);
    expect(s.suggest("老板拖欠工资")?.categoryId).toBe("wage-arrears");
    s.suggest("社保断缴");
    expect(loads).toBe(1);
  });

  it("without a model, uses the configured keyword lexicon", () => {
    const s = createCategorySuggester(config, null);
    expect(s.suggest("污水井冒水，下水道堵塞")).toMatchObject({ label: "drainage", categoryId: "drainage" });
    expect(s.suggest("")).toBeNull();
  });
});
