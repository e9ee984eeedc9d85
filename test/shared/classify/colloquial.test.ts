// The pieces that make the model hold on chat-style reports: colloquial normalisation, lexicon features, uniform
// priors, weighted examples, and the calibration error the bench reports. Text written for these tests.
import { describe, expect, it } from "vitest";
import { titleExamples } from "../../../shared/classify/dataset.js";
import { evaluateClassifier } from "../../../shared/classify/evaluate.js";
import { DEFAULT_FEATURES, extractFeatures, normalizeColloquial } from "../../../shared/classify/features.js";
import {
  createModelClassifier,
  loadModel,
  parseModel,
  serializeModel,
} from "../../../shared/classify/model.js";
import { cityTrainOptions } from "../../../shared/classify/recipe.js";
import { trainModel } from "../../../shared/classify/trainer.js";
import type { Classifier } from "../../../shared/classify/types.js";
import { modelLabelOf, modelLexicon } from "../../../shared/services/classifier-setup.js";
import { defaultConfig } from "../../support/system.js";
import { heldOutRows, trainRows } from "./fixture.js";

const colloquial = { ...DEFAULT_FEATURES, colloquial: true };

describe("colloquial normalisation", () => {
  it("maps dialect words and drops fillers, emoji and repeated punctuation", () => {
    expect(normalizeColloquial("咋整啊，娃没学上了呀")).toBe("怎么整，孩子没学上了");
    expect(normalizeColloquial("俺家木有水了吧")).toBe("我家没有水了");
    const plain = extractFeatures("楼下停水了", colloquial);
    expect(extractFeatures("楼下停水了啊！！！😭😭😭", colloquial)).toEqual(plain);
    expect(extractFeatures("楼下停水了呢？？？🙄", colloquial)).toEqual(plain);
  });

  it("is off unless the model asks for it", () => {
    expect(extractFeatures("停水了啊", DEFAULT_FEATURES).has("啊")).toBe(true);
    expect(extractFeatures("停水了啊", colloquial).has("啊")).toBe(false);
  });
});

describe("lexicon features", () => {
  const config = defaultConfig();
  const lexicon = modelLexicon(config);

  it("collects the city's keywords under the model label of each category's nearest mapped ancestor", () => {
    expect(lexicon.交通运输).toEqual(expect.arrayContaining(["公交", "红绿灯", "交通"]));
    expect(lexicon.城乡建设).toEqual(expect.arrayContaining(["污水井", "井盖", "物业"]));
    expect(lexicon.环境保护).toEqual(expect.arrayContaining(["噪音", "垃圾"]));
    expect(Object.keys(lexicon).sort()).toEqual(Object.keys(config.classifier.labels).sort());
  });

  it("adds one #label occurrence per distinct keyword found", () => {
    const features = extractFeatures("公交站台旁边的红绿灯坏了", { ...DEFAULT_FEATURES, lexicon });
    expect(features.get("#交通运输")).toBe(4); // 公交, 公交站, 站台, 红绿灯
    expect(features.has("#卫生计生")).toBe(false);
  });

  it("maps ticket categories back to model labels", () => {
    const labelOf = modelLabelOf(config);
    expect(labelOf("noise")).toBe("环境保护");
    expect(labelOf("drainage")).toBe("城乡建设");
    expect(labelOf("traffic")).toBe("交通运输");
    expect(labelOf("no-such-category")).toBeNull();
  });

  it("round-trips through the model file with colloquial normalisation, and old files still load", () => {
    const model = trainModel(trainRows, cityTrainOptions(lexicon));
    const bytes = serializeModel(model);
    const parsed = parseModel(bytes);
    expect(parsed.features.colloquial).toBe(true);
    expect(parsed.features.lexicon).toEqual(lexicon);
    expect(serializeModel(parsed)).toBe(bytes);
    const loaded = loadModel(bytes);
    for (const row of heldOutRows) expect(loaded.suggest(row.text, 1)[0]?.label).toBe(row.label);
    // A version-1 file (before these features) is read as it was written.
    const v1 = serializeModel(trainModel(trainRows)).replace(/"version":\d+/, '"version":1');
    expect(v1).toContain('"version":1');
    expect(loadModel(v1).suggest("停水三天了", 1)[0]?.label).toBe("供水排水");
    const file = JSON.parse(bytes);
    expect(() =>
      loadModel(JSON.stringify({ ...file, features: { ...file.features, lexicon: [1] } })),
    ).toThrow(/bad features/);
  });
});

describe("training options", () => {
  it("uniform priors give every class the same bias", () => {
    const model = trainModel(trainRows, { priors: "uniform" });
    expect(new Set(model.bias).size).toBe(1);
    expect(new Set(trainModel(trainRows).bias).size).toBeGreaterThan(1);
  });

  it("a heavier example pulls its label further", () => {
    const text = "楼道里一股怪味";
    const rows = [...trainRows, { text, label: "供水排水" }];
    const light = createModelClassifier(trainModel(rows, { calibrate: false }));
    const heavy = createModelClassifier(
      trainModel([...trainRows, { text, label: "供水排水", weight: 10 }], { calibrate: false }),
    );
    const score = (c: Classifier) => c.suggest(text).find((s) => s.label === "供水排水")?.confidence ?? 0;
    expect(score(heavy)).toBeGreaterThan(score(light));
  });

  it("takes a raw message's first line, or a pre-cut message's first words, as a short example", () => {
    expect(
      titleExamples([
        { text: "小区停水\n从昨天早上开始一直没有水", label: "供水排水" },
        { text: "公司 拖欠 工资 三个 月 不发 还 不交 社保 老板 失联", label: "劳动保障" },
        { text: "太吵了", label: "噪音" },
      ]),
    ).toEqual([
      { text: "小区停水", label: "供水排水" },
      { text: "公司 拖欠 工资 三个 月 不发 还 不交", label: "劳动保障" },
    ]);
  });
});

describe("calibration error", () => {
  it("is 0 for a classifier whose confidence matches its accuracy and large for an overconfident one", () => {
    const rows = [
      { text: "a", label: "x" },
      { text: "b", label: "y" },
    ];
    const always = (confidence: number): Classifier => ({
      suggest: () => [{ label: "x", confidence }],
    });
    expect(evaluateClassifier(always(0.5), rows).ece).toBeCloseTo(0, 9);
    expect(evaluateClassifier(always(0.99), rows).ece).toBeCloseTo(0.49, 9);
  });
});

describe("timing", () => {
  it("takes each message's fastest of `passes` timed passes, scoring the answers once", () => {
    const rows = [
      { text: "a", label: "x" },
      { text: "b", label: "y" },
    ];
    let calls = 0;
    const counting: Classifier = {
      suggest: () => {
        calls++;
        return [{ label: "x", confidence: 0.9 }];
      },
    };
    const ev = evaluateClassifier(counting, rows, { warmup: 0, passes: 3 });
    expect(calls).toBe(6);
    expect(ev.timesMs).toHaveLength(2);
    expect(ev.accuracy).toBe(0.5);
    calls = 0;
    evaluateClassifier(counting, rows, { warmup: 0 });
    expect(calls).toBe(2);
  });
});
