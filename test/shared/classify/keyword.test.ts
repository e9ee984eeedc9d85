import { describe, expect, it } from "vitest";
import { createKeywordClassifier } from "../../../shared/classify/index.js";

const lexicon = {
  供水排水: ["污水", "冒水", "停水", "自来水", "下水道"],
  市容环卫: ["垃圾", "清运", "占道"],
  噪音: ["噪音", "扰民", "太吵"],
  交通: ["红绿灯", "堵车", "公交"],
};

describe("keyword classifier", () => {
  const classifier = createKeywordClassifier(lexicon);

  it("ranks the label with the most distinct keywords first", () => {
    const suggestions = classifier.suggest("小区门口污水井冒水好几天了，旁边垃圾也没人管");
    expect(suggestions.map((s) => s.label)).toEqual(["供水排水", "市容环卫"]);
    expect(suggestions[0]!.confidence).toBeCloseTo(2 / 5);
    expect(suggestions[1]!.confidence).toBeCloseTo(1 / 5);
  });

  it("keeps confidence low when few keywords match", () => {
    const one = classifier.suggest("又停水了");
    expect(one).toEqual([{ label: "供水排水", confidence: 1 / 3 }]);
    expect(one[0]!.confidence).toBeLessThan(0.5);
    expect(classifier.suggest("停水了，自来水公司也不通知")[0]!.confidence).toBeCloseTo(0.5);
    expect(classifier.suggest("停水了，自来水公司不管，下水道还冒水")[0]!.confidence).toBeGreaterThan(0.6);
  });

  it("returns [] when nothing matches or the text is empty", () => {
    expect(classifier.suggest("今天天气很好")).toEqual([]);
    expect(classifier.suggest("")).toEqual([]);
    expect(classifier.suggest("😀🎉")).toEqual([]);
    expect(classifier.suggest("The garbage has not been collected")).toEqual([]);
  });

  it("respects the limit and keeps confidences in [0,1] summing to at most 1", () => {
    const text = "污水 垃圾 噪音 堵车 冒水 清运";
    const all = classifier.suggest(text);
    expect(all).toHaveLength(4);
    expect(all.reduce((a, s) => a + s.confidence, 0)).toBeLessThanOrEqual(1);
    for (const s of all) expect(s.confidence).toBeGreaterThan(0);
    expect(classifier.suggest(text, 1)).toEqual(all.slice(0, 1));
    expect(classifier.suggest(text, 0)).toEqual([]);
  });

  it("matches across spaces, punctuation, full-width letters and traditional characters", () => {
    expect(classifier.suggest("汙水 井 冒 水")[0]?.label).toBe("供水排水");
    expect(classifier.suggest("噪　音，擾民")[0]).toEqual({ label: "噪音", confidence: 0.5 });
    const latin = createKeywordClassifier({ 噪音: ["KTV"], 交通: ["bus"] });
    expect(latin.suggest("楼下ｋｔｖ太吵")[0]?.label).toBe("噪音");
  });

  it("breaks ties by label and honours the smoothing option", () => {
    const tie = classifier.suggest("公交站旁边有垃圾");
    expect(tie.map((s) => s.label)).toEqual(["交通", "市容环卫"]);
    const sharp = createKeywordClassifier(lexicon, { smoothing: 0 });
    expect(sharp.suggest("又停水了")).toEqual([{ label: "供水排水", confidence: 1 }]);
  });

  it("copes with an empty lexicon, empty keywords and very long text", () => {
    expect(createKeywordClassifier({}).suggest("污水")).toEqual([]);
    expect(createKeywordClassifier({ a: ["", "  "] }).suggest("污水")).toEqual([]);
    const long = `${"啊".repeat(100_000)}污水`;
    expect(classifier.suggest(long)[0]?.label).toBe("供水排水");
  });
});
