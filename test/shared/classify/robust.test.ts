// The parts that make the model follow the city's item list on short reports: the lexicon boost, frame removal,
// the short-example augmentation, the threshold rule of the routing bench, and the colloquial fixtures
// themselves. Text written for these tests.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  chooseThreshold,
  type EndToEnd,
  type RoutingOutcome,
  readColloquialReports,
  routeReports,
} from "../../../bench/routing.js";
import { shortExamples } from "../../../shared/classify/dataset.js";
import { DEFAULT_FEATURES, extractFeatures, stripFrames } from "../../../shared/classify/features.js";
import {
  createModelClassifier,
  loadModel,
  parseModel,
  serializeModel,
} from "../../../shared/classify/model.js";
import { cityTrainOptions, LEXICON_BOOST, SHRINK_POWER } from "../../../shared/classify/recipe.js";
import { trainModel } from "../../../shared/classify/trainer.js";
import type { Classifier, TrainingRow } from "../../../shared/classify/types.js";
import { modelLexicon } from "../../../shared/services/classifier-setup.js";
import { defaultConfig } from "../../support/system.js";
import { fixturePath, trainRows } from "./fixture.js";

// The fixture's labels with a small lexicon of our own: 路灯 belongs to 市政设施 in this city.
const lexicon = { 市政设施: ["路灯", "井盖"], 噪音: ["噪音", "吵"] };
const rows: TrainingRow[] = [
  ...trainRows,
  { text: "市政设施 路灯 不亮 井盖 丢失 道路 破损", label: "市政设施" },
  { text: "小区井盖松动，车一压就响", label: "市政设施" },
  { text: "人行道的砖坏了好几块没人修", label: "市政设施" },
  { text: "桥下的栏杆断了一截", label: "市政设施" },
];
const confidenceOf = (c: Classifier, text: string, label: string) =>
  c.suggest(text).find((s) => s.label === label)?.confidence ?? 0;

describe("lexicon boost", () => {
  const plain = trainModel(rows, { features: { lexicon }, calibrate: false });
  const boosted = trainModel(rows, { features: { lexicon }, lexiconBoost: 0.8, calibrate: false });

  it("adds a fixed weight per city keyword found, so a short report follows the city's item list", () => {
    const text = "路灯又坏了";
    expect(confidenceOf(createModelClassifier(boosted), text, "市政设施")).toBeGreaterThan(
      confidenceOf(createModelClassifier(plain), text, "市政设施"),
    );
    // Text without a keyword scores exactly as without the boost.
    const none = "楼下邻居半夜装修";
    expect(createModelClassifier(boosted).suggest(none)).toEqual(createModelClassifier(plain).suggest(none));
  });

  it("shrinks in proportion above lexiconBoostChars characters", () => {
    const scaled = trainModel(rows, {
      features: { lexicon },
      lexiconBoost: 0.8,
      lexiconBoostChars: 10,
      calibrate: false,
    });
    const short = "路灯又坏了";
    const long = `路灯又坏了${"我们这里晚上出门很不方便".repeat(4)}`;
    const gain = (text: string) =>
      confidenceOf(createModelClassifier(scaled), text, "市政设施") -
      confidenceOf(createModelClassifier(plain), text, "市政设施");
    // Short text (≤ 10 characters) gets the full boost, as in the unscaled model.
    expect(confidenceOf(createModelClassifier(scaled), short, "市政设施")).toBeCloseTo(
      confidenceOf(createModelClassifier(boosted), short, "市政设施"),
      9,
    );
    expect(gain(long)).toBeGreaterThanOrEqual(0);
    expect(gain(long)).toBeLessThan(
      confidenceOf(createModelClassifier(boosted), long, "市政设施") -
        confidenceOf(createModelClassifier(plain), long, "市政设施"),
    );
  });

  it("shrinks with the square of lexiconBoostChars / length when shrinkPower is 2", () => {
    const options = { features: { lexicon }, lexiconBoost: 0.8, lexiconBoostChars: 10, calibrate: false };
    const linear = createModelClassifier(trainModel(rows, options));
    const squared = createModelClassifier(trainModel(rows, { ...options, shrinkPower: 2 }));
    const short = "路灯又坏了";
    const long = `路灯又坏了${"我们这里晚上出门很不方便".repeat(4)}`;
    // Up to 10 characters nothing changes; above, the squared boost is smaller but still a boost.
    expect(squared.suggest(short)).toEqual(linear.suggest(short));
    const plainLong = confidenceOf(createModelClassifier(plain), long, "市政设施");
    expect(confidenceOf(squared, long, "市政设施")).toBeGreaterThan(plainLong);
    expect(confidenceOf(squared, long, "市政设施")).toBeLessThan(confidenceOf(linear, long, "市政设施"));
  });

  it("is stored in the model file and read back; a model without it writes no field", () => {
    const bytes = serializeModel(boosted);
    const parsed = parseModel(bytes);
    expect(parsed.lexiconBoost).toBe(0.8);
    expect(serializeModel(parsed)).toBe(bytes);
    expect(loadModel(bytes).suggest("路灯又坏了")).toEqual(
      createModelClassifier(parsed).suggest("路灯又坏了"),
    );
    expect(loadModel(bytes).suggest("路灯又坏了", 1)[0]?.label).toBe("市政设施");
    expect(JSON.parse(serializeModel(plain))).not.toHaveProperty("lexiconBoost");
    const file = JSON.parse(bytes);
    expect(() => loadModel(JSON.stringify({ ...file, lexiconBoost: -1 }))).toThrow(/bad lexiconBoost/);
    expect(() => loadModel(JSON.stringify({ ...file, lexiconBoostChars: 0 }))).toThrow(
      /bad lexiconBoostChars/,
    );
    // A version-2 file (before the boost) still loads.
    const v2 = serializeModel(plain).replace(/"version":\d+/, '"version":2');
    expect(v2).toContain('"version":2');
    expect(loadModel(v2).suggest("停水三天了", 1)[0]?.label).toBe("供水排水");
  });

  it("is part of the city recipe only when the city has keywords", () => {
    expect(cityTrainOptions(modelLexicon(defaultConfig())).lexiconBoost).toBe(LEXICON_BOOST);
    expect(cityTrainOptions(null).lexiconBoost).toBeUndefined();
    expect(cityTrainOptions(null).shrinkPower).toBe(SHRINK_POWER);
    // Without lexicon features there is nothing to boost.
    expect(trainModel(trainRows, { lexiconBoost: 1, calibrate: false }).lexiconBoost).toBeUndefined();
  });
});

describe("companion model (residents' voice only)", () => {
  // Formal rows say nothing of bus stops; the rows in the residents' voice (weight > 1) file them under 交通.
  const voice: TrainingRow[] = [
    "公交站牌被撞歪了没人修",
    "末班公交老是提前开走",
    "公交站台的雨棚漏雨",
    "公交车司机不等人就关门",
    "地铁站出口的台阶坏了",
    "出租车绕路多收钱",
  ].map((text) => ({ text, label: "交通", weight: 5 }));
  const voiceRows: TrainingRow[] = [
    ...voice,
    ...trainRows.filter((_, i) => i % 4 === 0).map((r) => ({ ...r, weight: 5 })),
  ];
  const all = [...trainRows, ...voiceRows];
  const withCompanion = trainModel(all, { companion: { weight: 0.3, chars: 12 } });
  const withoutCompanion = trainModel(all, {});

  it("is trained only on the rows in the residents' voice and stored in the model file", () => {
    const companion = withCompanion.companion!;
    expect(companion).toBeDefined();
    expect(withCompanion.companionWeight).toBe(0.3);
    // The main model is the one trained without the option.
    expect(
      serializeModel({
        ...withCompanion,
        companion: undefined,
        companionWeight: undefined,
        companionChars: undefined,
      }),
    ).toBe(serializeModel(withoutCompanion));
    expect(companion.vocab.length).toBeLessThan(withCompanion.vocab.length);
    expect(companion.companion).toBeUndefined();
    const bytes = serializeModel(withCompanion);
    const parsed = parseModel(bytes);
    expect(serializeModel(parsed)).toBe(bytes);
    expect(parsed.companionChars).toBe(12);
    expect(loadModel(bytes).suggest("公交站台没有雨棚")).toEqual(
      createModelClassifier(parsed).suggest("公交站台没有雨棚"),
    );
    expect(JSON.parse(serializeModel(withoutCompanion))).not.toHaveProperty("companion");
    const file = JSON.parse(bytes);
    expect(() => loadModel(JSON.stringify({ ...file, companionWeight: 1 }))).toThrow(/bad companionWeight/);
    expect(() => loadModel(JSON.stringify({ ...file, companion: [] }))).toThrow(/bad companion/);
  });

  it("averages its confidences with the main model's, less so above `chars` characters", () => {
    const model = parseModel(serializeModel(withCompanion));
    const main = createModelClassifier({ ...model, companion: undefined });
    const companion = createModelClassifier(model.companion!);
    const both = createModelClassifier(model);
    const expected = (text: string, a: number) =>
      model.labels.map((l) => (1 - a) * confidenceOf(main, text, l) + a * confidenceOf(companion, text, l));
    const short = "公交站没有雨棚"; // 7 characters: full weight
    expect(model.labels.map((l) => confidenceOf(both, short, l))).toEqual(
      expected(short, 0.3).map((v) => expect.closeTo(v, 12)),
    );
    const long = "公交站没有雨棚下雨天等车的人全身都湿透了"; // 20 characters: 0.3 × 12 / 20
    expect(model.labels.map((l) => confidenceOf(both, long, l))).toEqual(
      expected(long, (0.3 * 12) / 20).map((v) => expect.closeTo(v, 12)),
    );
    // Below a 5 % share (here above 72 characters) the companion is not consulted.
    const letter = "公交站没有雨棚".repeat(11);
    expect(both.suggest(letter)).toEqual(main.suggest(letter));
  });

  it("shrinks with (chars / length) ^ shrinkPower above `chars` when a power is set, and stores it", () => {
    const squared = trainModel(all, { companion: { weight: 0.3, chars: 12 }, shrinkPower: 2 });
    const bytes = serializeModel(squared);
    const model = parseModel(bytes);
    expect(model.shrinkPower).toBe(2);
    expect(JSON.parse(bytes).version).toBe(5);
    expect(serializeModel(model)).toBe(bytes);
    const main = createModelClassifier({ ...model, companion: undefined });
    const companion = createModelClassifier(model.companion!);
    const both = createModelClassifier(model);
    const long = "公交站没有雨棚下雨天等车的人全身都湿透了"; // 20 characters: 0.3 × (12 / 20)²
    const a = 0.3 * (12 / 20) ** 2;
    expect(model.labels.map((l) => confidenceOf(both, long, l))).toEqual(
      model.labels.map((l) =>
        expect.closeTo((1 - a) * confidenceOf(main, long, l) + a * confidenceOf(companion, long, l), 12),
      ),
    );
    // The default power (1) writes no field; a bad one is refused.
    expect(JSON.parse(serializeModel(withCompanion))).not.toHaveProperty("shrinkPower");
    expect(() => loadModel(JSON.stringify({ ...JSON.parse(bytes), shrinkPower: 0 }))).toThrow(
      /bad shrinkPower/,
    );
    // A version-4 file (before the power) still loads and scores as written.
    const v4 = serializeModel(withCompanion).replace(/"version":\d+/, '"version":4');
    expect(loadModel(v4).suggest(long)).toEqual(loadModel(serializeModel(withCompanion)).suggest(long));
  });

  it("is skipped when fewer than 20 rows are in the residents' voice", () => {
    expect(trainModel([...trainRows, ...voice], { companion: { weight: 0.3 } }).companion).toBeUndefined();
  });
});

describe("frames", () => {
  it("drops the letter and operator frames, which say nothing about the matter", () => {
    expect(stripFrames("尊敬的张局长您好").trim()).toBe("");
    expect(stripFrames("来电人反映楼下停水").trim()).toBe("楼下停水");
    const frames = { ...DEFAULT_FEATURES, frames: true };
    expect(extractFeatures("市民咨询：楼下停水，谢谢！", frames)).toEqual(
      extractFeatures("楼下停水", frames),
    );
    // Off unless the model asks for it.
    expect(extractFeatures("来电人反映楼下停水", DEFAULT_FEATURES).has("来电")).toBe(true);
  });

  it("round-trips through the model file", () => {
    const model = trainModel(trainRows, { features: { frames: true }, calibrate: false });
    expect(parseModel(serializeModel(model)).features.frames).toBe(true);
  });
});

describe("short examples from formal messages", () => {
  const formal: TrainingRow[] = [
    {
      text: "领导 您好 小区 门口 污水井 冒水 好几天 臭味 很大 居民 出行 不便 希望 尽快 疏通 谢谢",
      label: "供水排水",
    },
    {
      text: "楼下饭店每天晚上十一点以后还在营业，音响声音很大，吵得孩子睡不着觉，多次劝说无果，找了物业也不管，打了好几次电话都说会处理，可是到现在还是老样子，希望有关部门来看看",
      label: "噪音",
    },
    { text: "太吵", label: "噪音" },
  ];

  it("cuts each message to 15–80 characters without its letter frame, the same way for the same seed", () => {
    const out = shortExamples(formal, { min: 15, max: 80, seed: 3 });
    expect(out).toEqual(shortExamples(formal, { min: 15, max: 80, seed: 3 }));
    expect(out.map((r) => r.label)).toEqual(["供水排水", "噪音"]);
    for (const r of out) {
      expect(r.text.length).toBeGreaterThanOrEqual(6);
      expect(r.text.length).toBeLessThanOrEqual(80);
      expect(r.text).not.toMatch(/领导|您好/);
    }
    expect(out[0]!.text.startsWith("小区门口污水井")).toBe(true);
    const tight = shortExamples(formal, { min: 15, max: 15 });
    expect(tight.every((r) => r.text.length === 15)).toBe(true);
  });
});

describe("threshold choice of the routing bench", () => {
  const o = (threshold: number, triage: number, wrong: number): RoutingOutcome => ({
    threshold,
    right: 1 - triage - wrong,
    triage,
    wrong,
    rightOfRouted: (1 - triage - wrong) / (1 - triage),
    cost: wrong * 5 + triage,
  });
  const sweep = (outcomes: RoutingOutcome[], configured: RoutingOutcome): EndToEnd => {
    const staffable = outcomes.filter((x) => x.triage <= 0.15);
    const lowest = (list: RoutingOutcome[]) => list.reduce((a, b) => (b.cost < a.cost ? b : a));
    return {
      city: "test",
      outcomes,
      recommended: lowest(outcomes),
      withinTriage: staffable.length ? lowest(staffable) : null,
      configured,
      missingDepartments: [],
    };
  };

  it("keeps the configured threshold when the best one is less than one wrong report cheaper", () => {
    const outcomes = [o(0.3, 0.03, 0.07), o(0.5, 0.12, 0.06), o(0.9, 0.4, 0.0)];
    // 100 reports: one wrong report costs 0.05 per report; 0.5 costs 0.42, 0.3 costs 0.38.
    expect(chooseThreshold(sweep(outcomes, outcomes[1]!), 100).threshold).toBe(0.5);
    // With 1,000 reports the same difference is 8 wrong reports' worth: take 0.3.
    expect(chooseThreshold(sweep(outcomes, outcomes[1]!), 1000).threshold).toBe(0.3);
  });

  it("never picks a threshold that triages more than 15 % while one that does not exists", () => {
    const outcomes = [o(0.3, 0.02, 0.2), o(0.5, 0.1, 0.15), o(0.9, 0.5, 0.0)];
    const configured = outcomes[2]!;
    expect(chooseThreshold(sweep(outcomes, configured), 100).threshold).toBe(0.5);
  });
});

describe("the colloquial fixtures", () => {
  const config = defaultConfig();
  const departments = new Set(config.departments.map((d) => d.id));
  const dev = readColloquialReports(fixturePath("colloquial-dev.jsonl"));
  const evaluation = readColloquialReports(fixturePath("colloquial-eval.jsonl"));
  const seed = readFileSync(fixturePath("colloquial-seed.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { text: string }).text);

  it("dev set: at least 20 reports per label, every department one the city has, several channels", () => {
    const perLabel = new Map<string, number>();
    for (const r of dev) perLabel.set(r.label, (perLabel.get(r.label) ?? 0) + 1);
    expect([...perLabel.keys()].sort()).toEqual(Object.keys(config.classifier.labels).sort());
    for (const n of perLabel.values()) expect(n).toBeGreaterThanOrEqual(20);
    for (const r of [...dev, ...evaluation]) expect(departments.has(r.department)).toBe(true);
    expect(new Set(dev.map((r) => r.channel))).toEqual(new Set(["wechat", "hotline", "web"]));
  });

  const bigrams = (t: string) => {
    const s = t.replace(/[^\p{L}\p{N}]/gu, "");
    return new Set(Array.from({ length: Math.max(0, s.length - 1) }, (_, i) => s.slice(i, i + 2)));
  };
  /** Texts of `mine` whose character bigrams overlap one of `others` by more than `limit` (Jaccard). */
  const nearCopies = (mine: readonly string[], others: readonly string[], limit: number) => {
    const otherSets = others.map(bigrams);
    return mine.filter((text) => {
      const set = bigrams(text);
      return otherSets.some((other) => {
        let common = 0;
        for (const b of set) if (other.has(b)) common++;
        return common / (set.size + other.size - common) > limit;
      });
    });
  };

  it("dev messages are not near copies of evaluation or seed messages (character bigrams, Jaccard ≤ 0.35)", () => {
    expect(
      nearCopies(
        dev.map((r) => r.text),
        [...evaluation.map((r) => r.text), ...seed],
        0.35,
      ),
    ).toEqual([]);
  });

  it("seed messages (trained on) are not near copies of evaluation messages (Jaccard ≤ 0.35)", () => {
    expect(seed.length).toBeGreaterThanOrEqual(7 * 90);
    expect(
      nearCopies(
        seed,
        evaluation.map((r) => r.text),
        0.35,
      ),
    ).toEqual([]);
  });

  it("with every report's true label, the city's lexicon and rules reach the expected department almost always", () => {
    const truth = (list: typeof dev): Classifier => {
      const byText = new Map(list.map((r) => [r.text, r.label]));
      return {
        suggest: (text) => {
          const label = byText.get(text.slice(text.indexOf("\n") + 1));
          return label ? [{ label, confidence: 1 }] : [];
        },
      };
    };
    expect(routeReports(config, truth(dev), dev, [0.5]).outcomes[0]!.right).toBeGreaterThanOrEqual(0.97);
    expect(
      routeReports(config, truth(evaluation), evaluation, [0.5]).outcomes[0]!.right,
    ).toBeGreaterThanOrEqual(0.97);
  });
});
