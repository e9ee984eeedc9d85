// Routing benchmark of the category classifier:
//   npm run bench:routing -- --train F --test G
//   npm run bench:routing -- --train F --split 0.2 [--seed N] [--compare] [--tune] [--seed-cv] [--formal-cv]
//   … [--colloquial F] [--dev F] [--seed-data F | --no-seed-data] [--city shared/config/city.json]
// Without arguments it uses ../shared/data/teddy2020c/train.jsonl (next to the repo) with a 20 % split, and
// says so and exits 0 when that file is absent. Beside the formal split it scores the team's colloquial dev set
// (test/fixtures/colloquial-dev.jsonl, for tuning) and evaluation set (test/fixtures/colloquial-eval.jsonl, the
// final measure) and routes both end to end through the intake's own pieces (chooseCategory with the city's
// suggester and lexicon refinement, then the city's router). The threshold is chosen on the dev set.
// --tune scores a formal dev split (20 % of the training part, split seed + 1) and the dev set only: the
// evaluation set and the formal test split stay unseen while tuning.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { shortExamples, titleExamples } from "../shared/classify/dataset.js";
import {
  type Evaluation,
  evaluateClassifier,
  quantile,
  stratifiedFolds,
  stratifiedSplit,
} from "../shared/classify/evaluate.js";
import { isPreTokenized } from "../shared/classify/features.js";
import { readLabelledFile } from "../shared/classify/files.js";
import { createModelClassifier, parseModel, serializeModel } from "../shared/classify/model.js";
import { cityTrainOptions, inResidentsVoice } from "../shared/classify/recipe.js";
import { type TrainOptions, trainModel } from "../shared/classify/trainer.js";
import type { Classifier, TrainingRow } from "../shared/classify/types.js";
import { parseCityConfig } from "../shared/config/load.js";
import type { CityConfig } from "../shared/config/schema.js";
import { CreateTicketInput } from "../shared/domain/ticket.js";
import { resolveArea } from "../shared/routing/router.js";
import { createCategorySuggester, modelLexicon } from "../shared/services/classifier-setup.js";
import { createCore } from "../shared/services/context.js";
import { chooseCategory } from "../shared/services/intake.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The shared contest data, relative to the repo root. */
// (A git worktree one level further down, as in /work/wt/<branch>, finds it one folder higher.)
export const DEFAULT_ROUTING_DATA =
  ["../shared/data/teddy2020c/train.jsonl", "../../shared/data/teddy2020c/train.jsonl"]
    .map((p) => resolve(REPO_ROOT, p))
    .find((p) => existsSync(p)) ?? resolve(REPO_ROOT, "../shared/data/teddy2020c/train.jsonl");
export const DEFAULT_COLLOQUIAL = resolve(REPO_ROOT, "test/fixtures/colloquial-eval.jsonl");
export const DEFAULT_COLLOQUIAL_DEV = resolve(REPO_ROOT, "test/fixtures/colloquial-dev.jsonl");
export const DEFAULT_SEED_DATA = resolve(REPO_ROOT, "test/fixtures/colloquial-seed.jsonl");
export const DEFAULT_CITY = resolve(REPO_ROOT, "shared/config/city.json");
/** Threshold sweep of the end-to-end routing table. */
export const ROUTING_THRESHOLDS = [0, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9];
/** Largest share of reports the centre is expected to triage by hand (the issue's target). */
export const MAX_TRIAGE = 0.15;
/**
 * Cost of a report routed to a wrong department, in dispatcher-minutes (a triage decision costs 1): the
 * department reads it, returns it with a reason (退单), a dispatcher triages it anyway, and the resident waits
 * a day longer. The threshold the bench recommends minimises wrong × this + triage × 1.
 */
export const WRONG_ROUTE_COST = 5;
export const DEFAULT_SPLIT = 0.2;
/**
 * Timed passes per message: each message's time is its fastest of these passes, so that a pass pre-empted by
 * another process on a shared machine does not count as the classifier's time.
 */
export const TIMED_PASSES = 3;
export const DEFAULT_SPLIT_SEED = 1;

export interface RoutingBenchOptions {
  /** Training data (.jsonl or .csv); default {@link DEFAULT_ROUTING_DATA}. */
  train?: string;
  /** Separate test data; when absent, `split` of the training data is held out. */
  test?: string;
  /** Held-out fraction (stratified, identical texts kept together); default 0.2. */
  split?: number;
  /** Seed of the split; default 1. */
  seed?: number;
  /** Also train and score the variants of docs/classifier.md (augmentations, boosts, jieba words, 3-grams). */
  compare?: boolean;
  /**
   * Tuning mode: train on 80 % of the training part, score the other 20 % (the formal dev split) and the
   * colloquial dev set; the evaluation set and the formal test split are not touched.
   */
  tune?: boolean;
  /**
   * Also cross-validate on the seed data (5 folds, stratified, seed 7): train on the training part plus four
   * fifths of the seed messages, score the fifth. A tuning signal in the residents' voice larger than the dev
   * set (about 5× the training time).
   */
  seedCv?: boolean;
  /**
   * Also cross-validate on the formal training part (5 folds, stratified, seed 11) the first recipe (formal data
   * only) and the city recipe: the spread of macro-F1 between folds says how far one 20 % split can be trusted,
   * and the mean is the model family's figure on the contest data (about 5× the training time, twice).
   */
  formalCv?: boolean;
  /** The colloquial dev set (same format as the evaluation set); default the fixture. */
  dev?: string;
  /** Print the report (default true for the CLI, false for callers that format the result themselves). */
  print?: boolean;
  /** The colloquial evaluation set (JSONL with text, label, department, optional address); default the fixture. */
  colloquial?: string;
  /** Seed data in the residents' voice added to training; default the fixture, null for none. */
  seedData?: string | null;
  /** City configuration whose lexicon, labels and routing rules are used; default shared/config/city.json. */
  city?: string;
}

/** One report of the colloquial set: its text, label and the department that should get it. */
export interface ColloquialReport {
  text: string;
  label: string;
  department: string;
  channel?: string;
  address?: string;
}

export interface RoutingOutcome {
  threshold: number;
  /** Shares of all reports: to the expected department, to triage, to another department. */
  right: number;
  triage: number;
  wrong: number;
  /** right / (right + wrong): how often a routed report reaches the right desk. */
  rightOfRouted: number;
  /** wrong × WRONG_ROUTE_COST + triage, per report. */
  cost: number;
}

export interface EndToEnd {
  city: string;
  outcomes: RoutingOutcome[];
  /** Lowest cost in the sweep. */
  recommended: RoutingOutcome;
  /** Lowest cost among the thresholds that send at most {@link MAX_TRIAGE} to triage (null if none does). */
  withinTriage: RoutingOutcome | null;
  /** The outcome at the city's configured threshold. */
  configured: RoutingOutcome;
  /** Expected departments the configured city does not have (those reports can only count as wrong/triage). */
  missingDepartments: { department: string; reports: number }[];
}

export interface VariantScores {
  name: string;
  accuracy: number;
  macroF1: number;
  modelBytes: number;
  trainSeconds: number;
  medianMs: number;
  colloquialMacroF1?: number;
  devMacroF1?: number;
  /** Macro-F1 on the dev set in a web-form frame ({@link framedReports}). */
  framedDevMacroF1?: number;
  formalEce?: number;
  colloquialEce?: number;
  devEce?: number;
  note?: string;
}

/** One colloquial set scored as labels and routed end to end. */
export interface ColloquialScores {
  file: string;
  count: number;
  evaluation: Evaluation;
  endToEnd: EndToEnd;
  /**
   * The same routing with every report's true label at confidence 1: the ceiling that the city's lexicon
   * refinement and routing rules allow, whatever the model.
   */
  ceiling: RoutingOutcome;
}

export type RoutingBenchResult =
  | { status: "skipped"; reason: string }
  | {
      status: "ok";
      trainFile: string;
      testFile: string | null;
      split: number | null;
      /** True in tuning mode: "formal" figures are the formal dev split's, and `colloquial` is null. */
      tune: boolean;
      seed: number;
      trainCount: number;
      testCount: number;
      labels: string[];
      accuracy: number;
      macroF1: number;
      evaluation: Evaluation;
      /** Messages of the test set that are raw text (not pre-cut), and the accuracy on them. */
      rawTest: { count: number; accuracy: number };
      modelBytes: number;
      features: number;
      temperature: number;
      trainSeconds: number;
      medianMs: number;
      p99Ms: number;
      variants: VariantScores[];
      /** Formal split's calibration error (ECE, tenths). */
      ece: number;
      seedCount: number;
      /** Cross-validation on the seed data ({@link RoutingBenchOptions.seedCv}); null when not asked for. */
      seedCv: { folds: number; count: number; accuracy: number; macroF1: number } | null;
      /** Cross-validation on the formal training part ({@link RoutingBenchOptions.formalCv}); null when not asked for. */
      formalCv: { name: string; folds: number[]; mean: number; sd: number; accuracy: number }[] | null;
      /**
       * Test messages whose other format (raw text or pre-cut, {@link twinsOf}) is in the training part: the
       * contest data holds some messages twice, once in each format, which the duplicate grouping of the split
       * (identical text) does not see. Their accuracy, and macro-F1 on the test messages without a twin.
       */
      twins: { count: number; accuracy: number; macroF1Without: number };
      /** The colloquial dev set in a web-form frame ({@link framedReports}); null without a dev set. */
      framedDev: Evaluation | null;
      /** The colloquial evaluation set (the final measure; null in tuning mode or when absent). */
      colloquial: ColloquialScores | null;
      /** The colloquial dev set (tuning; the threshold is chosen on it). */
      colloquialDev: ColloquialScores | null;
      /**
       * The threshold chosen on the dev set (lowest cost within {@link MAX_TRIAGE} triage, else lowest cost),
       * and the evaluation set's outcome at it.
       */
      chosenThreshold: { dev: RoutingOutcome; evaluation: RoutingOutcome | null } | null;
    };

function trainAndScore(
  train: readonly TrainingRow[],
  test: readonly TrainingRow[],
  options: TrainOptions,
  colloquial: readonly TrainingRow[] = [],
  dev: readonly TrainingRow[] = [],
): {
  evaluation: Evaluation;
  colloquial: Evaluation | null;
  dev: Evaluation | null;
  framedDev: Evaluation | null;
  classifier: Classifier;
  bytes: number;
  seconds: number;
  features: number;
  temperature: number;
} {
  const start = performance.now();
  const trained = trainModel(train, options);
  const seconds = (performance.now() - start) / 1000;
  // Score the model as it is stored, after quantisation and a round trip through the file format.
  const text = serializeModel(trained);
  const model = parseModel(text);
  const classifier = createModelClassifier(model, { extraWords: options.extraWords });
  const timed = { passes: TIMED_PASSES };
  return {
    evaluation: evaluateClassifier(classifier, test, timed),
    colloquial: colloquial.length ? evaluateClassifier(classifier, colloquial, timed) : null,
    dev: dev.length ? evaluateClassifier(classifier, dev, timed) : null,
    framedDev: dev.length ? evaluateClassifier(classifier, framedReports(dev), { warmup: 0 }) : null,
    classifier,
    bytes: Buffer.byteLength(text),
    seconds,
    features: model.vocab.length,
    temperature: model.temperature,
  };
}

async function jiebaWords(): Promise<((text: string) => string[]) | string> {
  try {
    const { Jieba } = await import("@node-rs/jieba");
    const { dict } = await import("@node-rs/jieba/dict.js");
    const jieba = Jieba.withDict(dict);
    return (text) => jieba.cut(text, false);
  } catch (err) {
    return `@node-rs/jieba unavailable: ${(err as Error).message}`;
  }
}

/** Reads the colloquial set: JSON Lines with string fields text, label, department (address, channel optional). */
export function readColloquialReports(path: string): ColloquialReport[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const row = JSON.parse(line) as Partial<ColloquialReport>;
      if (
        typeof row.text !== "string" ||
        typeof row.label !== "string" ||
        typeof row.department !== "string"
      ) {
        throw new Error(`${path} line ${i + 1}: needs string fields text, label and department`);
      }
      return row as ColloquialReport;
    });
}

// The bench calls only the intake's pure steps; a port it does not expect to touch fails loudly.
function unusedPort<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_, prop) {
      if (prop === "then") return undefined;
      throw new Error(`routing bench: ${name}.${String(prop)} is not part of the classify/route path`);
    },
  });
}

/**
 * Routes every report through the intake's own steps — chooseCategory (the city's suggester: model label →
 * category, lexicon refinement, threshold), resolveArea on its address, the city's router — at each threshold,
 * and compares the department with the one the report should reach.
 */
export function routeReports(
  config: CityConfig,
  classifier: Classifier,
  reports: readonly ColloquialReport[],
  thresholds: readonly number[] = ROUTING_THRESHOLDS,
  cityName = "(inline)",
): EndToEnd {
  const suggester = createCategorySuggester(config, classifier);
  const outcome = (threshold: number): RoutingOutcome => {
    const core = createCore({
      config: { ...config, classifier: { ...config.classifier, threshold } },
      store: unusedPort("store"),
      keys: unusedPort("keys"),
      queue: unusedPort("queue"),
      classifier: suggester,
    });
    let right = 0;
    let triage = 0;
    let wrong = 0;
    for (const report of reports) {
      const input = CreateTicketInput.parse({
        title: report.text.slice(0, 200),
        description: report.text,
        location: { address: report.address ?? "（未说明）" },
        reporter: { anonymous: true },
      });
      const { categoryId } = chooseCategory(core, input);
      const area = resolveArea(config, input.location.address, input.location.area);
      const department = core.router.route(categoryId, area);
      if (!department) triage++;
      else if (department === report.department) right++;
      else wrong++;
    }
    const n = Math.max(1, reports.length);
    return {
      threshold,
      right: right / n,
      triage: triage / n,
      wrong: wrong / n,
      rightOfRouted: right + wrong > 0 ? right / (right + wrong) : 0,
      cost: (wrong * WRONG_ROUTE_COST + triage) / n,
    };
  };
  const outcomes = thresholds.map(outcome);
  const recommended = outcomes.reduce((best, o) => (o.cost < best.cost ? o : best), outcomes[0]!);
  const staffable = outcomes.filter((o) => o.triage <= MAX_TRIAGE + 1e-9);
  const withinTriage = staffable.length
    ? staffable.reduce((best, o) => (o.cost < best.cost ? o : best), staffable[0]!)
    : null;
  const known = new Set(config.departments.map((d) => d.id));
  const missing = new Map<string, number>();
  for (const r of reports)
    if (!known.has(r.department)) missing.set(r.department, (missing.get(r.department) ?? 0) + 1);
  return {
    city: cityName,
    outcomes,
    recommended,
    withinTriage,
    configured: outcome(config.classifier.threshold),
    missingDepartments: [...missing.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([department, count]) => ({ department, reports: count })),
  };
}

/**
 * The threshold to configure, from the dev set's sweep: the lowest cost among thresholds that send at most
 * {@link MAX_TRIAGE} to triage (else the lowest cost) — but the configured threshold is kept when it also stays
 * within that triage share and its cost is within one wrong report (WRONG_ROUTE_COST / reports) of that lowest
 * cost: on a set of this size such a difference is noise, and a change of threshold also changes the keyword
 * classifier's rule.
 */
export function chooseThreshold(e: EndToEnd, reports: number): RoutingOutcome {
  const best = e.withinTriage ?? e.recommended;
  const slack = WRONG_ROUTE_COST / Math.max(1, reports);
  const keep = e.configured.triage <= MAX_TRIAGE + 1e-9 && e.configured.cost <= best.cost + slack + 1e-9;
  return keep ? e.configured : best;
}

/** A classifier that knows the answer: each report's own label at confidence 1 (for the routing ceiling). */
function trueLabels(reports: readonly ColloquialReport[]): Classifier {
  const byText = new Map(reports.map((r) => [r.text, r.label]));
  return {
    suggest(text) {
      // chooseCategory classifies `title + "\n" + description`; the bench puts the report's text in both.
      const label = byText.get(text.slice(text.indexOf("\n") + 1));
      return label ? [{ label, confidence: 1 }] : [];
    },
  };
}

/**
 * The seed set's first lines are the messages it had before the second batch (docs/classifier.md); the compare
 * run trains on them alone to show what the second batch changed.
 */
export const FIRST_SEED_ROWS = 210;
/** The seed set's lines before the third batch (docs/classifier.md, "The colloquial sets"). */
export const SECOND_SEED_ROWS = 686;

// A web-form frame of our own around a dev report: the words of a resident who writes a sentence before and after
// the matter. The dev and seed sets are all under 36 characters, so without it no tuning figure sees the lengths
// (40–80 characters) where the lexicon boost and the companion model shrink.
const FRAME_BEFORE = [
  "您好，我是附近的居民，想向有关部门反映一个情况：",
  "你好，麻烦帮忙看一下这个问题，",
  "我要反映一件事情，已经拖了很久了，",
];
const FRAME_AFTER = [
  "希望相关部门尽快派人过来处理一下，谢谢！",
  "请尽快给个答复，谢谢。",
  "麻烦尽快处理，给我们一个说法。",
];

/** The reports in a web-form frame (45–70 characters for the dev set): same labels, no new topic words. */
export function framedReports<T extends TrainingRow>(rows: readonly T[]): T[] {
  return rows.map((r, i) => ({ ...r, text: FRAME_BEFORE[i % 3]! + r.text + FRAME_AFTER[i % 3]! }));
}

const compactText = (text: string) => text.replace(/[^\p{L}\p{N}]+/gu, "").slice(0, 600);
function fourGrams(text: string): Set<string> {
  const c = compactText(text);
  const out = new Set<string>();
  for (let i = 0; i + 4 <= c.length; i++) out.add(c.slice(i, i + 4));
  return out;
}

/**
 * For each test row, whether the training rows hold the same message in the other format (raw text vs pre-cut):
 * at least 60 % of the shorter one's character 4-grams shared (4-grams in more than 40 training rows ignored),
 * one of the two pre-cut and the other not.
 */
export function twinsOf(train: readonly TrainingRow[], test: readonly TrainingRow[]): boolean[] {
  const grams = train.map((r) => fourGrams(r.text));
  const cut = train.map((r) => isPreTokenized(r.text));
  const postings = new Map<string, number[]>();
  grams.forEach((set, i) => {
    for (const g of set) {
      const list = postings.get(g);
      if (list) list.push(i);
      else postings.set(g, [i]);
    }
  });
  return test.map((row) => {
    const set = fourGrams(row.text);
    if (set.size < 8) return false;
    const isCut = isPreTokenized(row.text);
    const shared = new Map<number, number>();
    for (const g of set) {
      const list = postings.get(g);
      if (!list || list.length > 40) continue;
      for (const j of list) shared.set(j, (shared.get(j) ?? 0) + 1);
    }
    for (const [j, n] of shared) {
      if (cut[j] !== isCut && grams[j]!.size >= 8 && n / Math.min(set.size, grams[j]!.size) >= 0.6)
        return true;
    }
    return false;
  });
}

/** Folds of {@link RoutingBenchOptions.formalCv}. */
export const FORMAL_CV_FOLDS = 5;

/**
 * Cross-validation on the formal training rows: for each of {@link FORMAL_CV_FOLDS} stratified folds (seed 11),
 * trains on the other folds (plus `extra`, e.g. the seed data) and scores the fold.
 */
export function formalCrossValidation(
  name: string,
  train: readonly TrainingRow[],
  extra: readonly TrainingRow[],
  options: TrainOptions,
): { name: string; folds: number[]; mean: number; sd: number; accuracy: number } {
  const folds = stratifiedFolds(train, FORMAL_CV_FOLDS, 11);
  const f1s: number[] = [];
  let correct = 0;
  for (let f = 0; f < FORMAL_CV_FOLDS; f++) {
    const model = trainModel([...train.filter((_, i) => folds[i] !== f), ...extra], options);
    const ev = evaluateClassifier(
      createModelClassifier(model),
      train.filter((_, i) => folds[i] === f),
      { warmup: 0 },
    );
    f1s.push(ev.macroF1);
    correct += ev.accuracy * ev.count;
  }
  const mean = f1s.reduce((a, b) => a + b, 0) / f1s.length;
  const sd = Math.sqrt(f1s.reduce((a, b) => a + (b - mean) ** 2, 0) / (f1s.length - 1));
  return { name, folds: f1s, mean, sd, accuracy: correct / train.length };
}

/** Folds of {@link RoutingBenchOptions.seedCv}. */
export const SEED_CV_FOLDS = 5;

/**
 * Seed-data cross-validation: for each of {@link SEED_CV_FOLDS} stratified folds of the seed messages, trains on
 * the formal training rows plus the other folds and scores the held-out fold; returns the pooled accuracy and
 * the mean macro-F1 over folds. Calibration is skipped unless the options train a companion model (for one model
 * it does not change the top label).
 */
export function seedCrossValidation(
  train: readonly TrainingRow[],
  seedRows: readonly TrainingRow[],
  options: TrainOptions,
): { folds: number; count: number; accuracy: number; macroF1: number } {
  const folds = stratifiedFolds(seedRows, SEED_CV_FOLDS, 7);
  let correct = 0;
  let macroF1 = 0;
  for (let f = 0; f < SEED_CV_FOLDS; f++) {
    // Calibration does not change the top label of one model, but it sets the companion's share of the average.
    const model = trainModel([...train, ...seedRows.filter((_, i) => folds[i] !== f)], {
      ...options,
      ...(options.companion ? {} : { calibrate: false }),
    });
    const held = seedRows.filter((_, i) => folds[i] === f);
    const ev = evaluateClassifier(createModelClassifier(model), held, { warmup: 0 });
    correct += ev.accuracy * ev.count;
    macroF1 += ev.macroF1 / SEED_CV_FOLDS;
  }
  return { folds: SEED_CV_FOLDS, count: seedRows.length, accuracy: correct / seedRows.length, macroF1 };
}

/** Trains on the training data, scores the held-out messages and returns (and optionally prints) the numbers. */
export async function runRoutingBench(options: RoutingBenchOptions = {}): Promise<RoutingBenchResult> {
  const print = options.print ?? false;
  const log = (line = "") => {
    if (print) console.log(line);
  };
  const trainFile = options.train ?? DEFAULT_ROUTING_DATA;
  if (!existsSync(trainFile)) {
    const reason = `routing bench skipped: training data not found at ${trainFile}`;
    log(reason);
    return { status: "skipped", reason };
  }
  if (options.test && !existsSync(options.test)) {
    const reason = `routing bench skipped: test data not found at ${options.test}`;
    log(reason);
    return { status: "skipped", reason };
  }
  const tune = options.tune ?? false;
  const seed = options.seed ?? DEFAULT_SPLIT_SEED;
  const rows = readLabelledFile(trainFile).filter((r) => r.text.trim() !== "");
  let train: TrainingRow[];
  let test: TrainingRow[];
  let split: number | null = null;
  if (options.test) {
    train = rows;
    test = readLabelledFile(options.test).filter((r) => r.text.trim() !== "");
  } else {
    split = options.split ?? DEFAULT_SPLIT;
    ({ train, test } = stratifiedSplit(rows, split, seed));
  }
  // Tuning: the formal dev split comes out of the training part; the test split is never looked at.
  if (tune) ({ train, test } = stratifiedSplit(train, DEFAULT_SPLIT, seed + 1));
  const cityFile = options.city ?? DEFAULT_CITY;
  const config = parseCityConfig(JSON.parse(readFileSync(cityFile, "utf8")), cityFile);
  const lexicon = modelLexicon(config);
  const seedFile = options.seedData === undefined ? DEFAULT_SEED_DATA : options.seedData;
  const seedRows = seedFile && existsSync(seedFile) ? inResidentsVoice(readLabelledFile(seedFile)) : [];
  const colloquialFile = options.colloquial ?? DEFAULT_COLLOQUIAL;
  const reports = !tune && existsSync(colloquialFile) ? readColloquialReports(colloquialFile) : [];
  const devFile = options.dev ?? DEFAULT_COLLOQUIAL_DEV;
  const devReports = existsSync(devFile) ? readColloquialReports(devFile) : [];
  const colloquialRows: TrainingRow[] = reports.map((r) => ({ text: r.text, label: r.label }));
  const devRows: TrainingRow[] = devReports.map((r) => ({ text: r.text, label: r.label }));
  log(
    `routing bench${tune ? " (tuning: formal dev split + colloquial dev set; evaluation set not scored)" : ""}: ` +
      `train ${train.length} messages from ${trainFile}` +
      (seedRows.length ? ` + ${seedRows.length} seed messages from ${seedFile}` : "") +
      "; " +
      (options.test
        ? `test ${test.length} messages from ${options.test}`
        : tune
          ? `formal dev ${test.length} (20 % of the training part, seed ${seed + 1})`
          : `test ${test.length} held out (${split} stratified, seed ${seed})`) +
      (devReports.length ? `; colloquial dev ${devReports.length} reports from ${devFile}` : "") +
      (reports.length ? `; colloquial eval ${reports.length} reports from ${colloquialFile}` : ""),
  );

  const recipe = cityTrainOptions(lexicon);
  const withSeed = [...train, ...seedRows];
  const main = trainAndScore(withSeed, test, recipe, colloquialRows, devRows);
  const ev = main.evaluation;
  const rawRows = test.filter((r) => !isPreTokenized(r.text));
  const rawEval = evaluateClassifier(main.classifier, rawRows, { warmup: 0 });
  const variants: VariantScores[] = [];
  const variant = (name: string, scored: ReturnType<typeof trainAndScore>, note?: string): VariantScores => ({
    name,
    accuracy: scored.evaluation.accuracy,
    macroF1: scored.evaluation.macroF1,
    modelBytes: scored.bytes,
    trainSeconds: scored.seconds,
    medianMs: quantile(scored.evaluation.timesMs, 0.5),
    formalEce: scored.evaluation.ece,
    ...(scored.colloquial
      ? { colloquialMacroF1: scored.colloquial.macroF1, colloquialEce: scored.colloquial.ece }
      : {}),
    ...(scored.dev ? { devMacroF1: scored.dev.macroF1, devEce: scored.dev.ece } : {}),
    ...(scored.framedDev ? { framedDevMacroF1: scored.framedDev.macroF1 } : {}),
    ...(note ? { note } : {}),
  });
  variants.push(
    variant("city recipe (default): seed + colloquial + lexicon features and boost + learned priors", main),
  );
  if (options.compare) {
    const score = (name: string, rowsToTrain: readonly TrainingRow[], opts: TrainOptions, note?: string) => {
      log(`  training variant: ${name}`);
      variants.push(variant(name, trainAndScore(rowsToTrain, test, opts, colloquialRows, devRows), note));
    };
    score("formal data only, char 1-2 grams + title head (first recipe)", train, {});
    score("recipe without the companion model", withSeed, { ...recipe, companion: undefined });
    score(
      `recipe with the first ${SECOND_SEED_ROWS} seed messages only, no companion (main before this change)`,
      [...train, ...seedRows.slice(0, SECOND_SEED_ROWS)],
      { ...recipe, companion: undefined },
    );
    score(
      `recipe with the first ${SECOND_SEED_ROWS} seed messages only`,
      [...train, ...seedRows.slice(0, SECOND_SEED_ROWS)],
      recipe,
    );
    score("recipe, companion weight 0.5", withSeed, {
      ...recipe,
      companion: { weight: 0.5, chars: recipe.companion?.chars ?? 40 },
    });
    score(
      "recipe, boost and companion shrinking in proportion (power 1, main before this change)",
      withSeed,
      {
        ...recipe,
        shrinkPower: 1,
      },
    );
    score("recipe, shrinking with the cube (power 3)", withSeed, { ...recipe, shrinkPower: 3 });
    score("recipe without NB feature scaling", withSeed, { ...recipe, nbSmoothing: 0 });
    score("recipe, C = 1", withSeed, { ...recipe, C: 1 });
    score(
      `recipe with the first ${FIRST_SEED_ROWS} seed messages only (the first batch)`,
      [...train, ...seedRows.slice(0, FIRST_SEED_ROWS)],
      recipe,
    );
    score("recipe without seed data", train, recipe);
    score("recipe, previous boost (0.4, shrinking above 60 characters)", withSeed, {
      ...recipe,
      lexiconBoost: 0.4,
      lexiconBoostChars: 60,
    });
    score("recipe, boost 0.6", withSeed, { ...recipe, lexiconBoost: 0.6 });
    score("recipe, boost at every length", withSeed, { ...recipe, lexiconBoostChars: undefined });
    score("recipe + uniform priors (the recipe before the fourth seed batch)", withSeed, {
      ...recipe,
      priors: "uniform",
    });
    score("recipe, C = 4", withSeed, { ...recipe, C: 4 });
    score("recipe + salutation/operator frames dropped", withSeed, {
      ...recipe,
      features: { ...recipe.features, frames: true },
    });
    score("recipe + words of pre-cut text", withSeed, {
      ...recipe,
      features: { ...recipe.features, words: true },
    });
    score("recipe + contest titles as examples", [...withSeed, ...titleExamples(train)], recipe);
    score("recipe + formal texts cut to 15-80 characters", [...withSeed, ...shortExamples(train)], recipe);
    const words = await jiebaWords();
    if (typeof words === "string") {
      variants.push({
        name: "recipe + jieba words",
        accuracy: 0,
        macroF1: 0,
        modelBytes: 0,
        trainSeconds: 0,
        medianMs: 0,
        note: words,
      });
    } else {
      score("recipe + jieba words", withSeed, { ...recipe, extraWords: words }, "needs jieba at run time");
    }
    score("recipe, char 1-3 grams (250k features)", withSeed, {
      ...recipe,
      features: { ...recipe.features, ngramMax: 3 },
      maxFeatures: 250_000,
    });
  }

  const scoreSet = (file: string, list: ColloquialReport[], evaluation: Evaluation | null) =>
    evaluation && list.length
      ? {
          file,
          count: list.length,
          evaluation,
          endToEnd: routeReports(config, main.classifier, list, ROUTING_THRESHOLDS, cityFile),
          ceiling: routeReports(config, trueLabels(list), list, [0.5], cityFile).outcomes[0]!,
        }
      : null;
  const colloquial = scoreSet(colloquialFile, reports, main.colloquial);
  const colloquialDev = scoreSet(devFile, devReports, main.dev);
  const chosen = colloquialDev ? chooseThreshold(colloquialDev.endToEnd, colloquialDev.count) : null;
  const result: RoutingBenchResult = {
    status: "ok",
    trainFile,
    testFile: options.test ?? null,
    split,
    tune,
    seed,
    trainCount: train.length,
    testCount: test.length,
    labels: ev.perClass.map((c) => c.label),
    accuracy: ev.accuracy,
    macroF1: ev.macroF1,
    evaluation: ev,
    rawTest: { count: rawRows.length, accuracy: rawEval.accuracy },
    modelBytes: main.bytes,
    features: main.features,
    temperature: main.temperature,
    trainSeconds: main.seconds,
    medianMs: quantile(ev.timesMs, 0.5),
    p99Ms: quantile(ev.timesMs, 0.99),
    variants,
    ece: ev.ece,
    seedCount: seedRows.length,
    seedCv:
      options.seedCv && seedRows.length >= SEED_CV_FOLDS * 2
        ? seedCrossValidation(train, seedRows, recipe)
        : null,
    formalCv: options.formalCv
      ? [
          formalCrossValidation("formal data only (first recipe)", train, [], { calibrate: false }),
          formalCrossValidation("city recipe (+ seed data)", train, seedRows, recipe),
        ]
      : null,
    twins: (() => {
      const twin = twinsOf(train, test);
      const withTwin = test.filter((_, i) => twin[i]);
      const without = test.filter((_, i) => !twin[i]);
      return {
        count: withTwin.length,
        accuracy: withTwin.length
          ? evaluateClassifier(main.classifier, withTwin, { warmup: 0 }).accuracy
          : Number.NaN,
        macroF1Without: evaluateClassifier(main.classifier, without, { warmup: 0 }).macroF1,
      };
    })(),
    framedDev: main.framedDev,
    colloquial,
    colloquialDev,
    chosenThreshold: chosen
      ? {
          dev: chosen,
          evaluation: colloquial?.endToEnd.outcomes.find((o) => o.threshold === chosen.threshold) ?? null,
        }
      : null,
  };
  if (print) for (const line of formatRoutingReport(result)) log(line);
  return result;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const f3 = (x: number) => x.toFixed(3);

const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - s.replace(/[^ -~]/g, "xx").length));

/** Per-class table, confusion table and threshold table of one evaluation. */
function evaluationLines(ev: Evaluation): string[] {
  const lines: string[] = [];
  const width = Math.max(8, ...ev.perClass.map((c) => c.label.length * 2));
  lines.push(`${pad("class", width)}  support  precision  recall     F1`);
  for (const c of ev.perClass) {
    lines.push(
      `${pad(c.label, width)}  ${String(c.support).padStart(7)}  ${f3(c.precision).padStart(9)}  ` +
        `${f3(c.recall).padStart(6)}  ${f3(c.f1).padStart(5)}`,
    );
  }
  lines.push("");
  lines.push("confusion (rows: actual, columns: predicted, in the order of the rows)");
  ev.labels.forEach((label, i) => {
    lines.push(`${pad(label, width)}  ${ev.confusion[i]!.map((n) => String(n).padStart(5)).join("")}`);
  });
  lines.push("");
  lines.push("threshold  coverage  accuracy above  accuracy below (below → triage)");
  for (const t of ev.thresholds) {
    lines.push(
      `${t.value.toFixed(2).padStart(9)}  ${pct(t.coverage).padStart(8)}  ${pct(t.accuracyAbove).padStart(14)}  ` +
        `${pct(t.accuracyBelow).padStart(14)}`,
    );
  }
  return lines;
}

/** Human-readable report lines. */
export function formatRoutingReport(result: RoutingBenchResult): string[] {
  if (result.status === "skipped") return [result.reason];
  const ev = result.evaluation;
  const lines: string[] = [];
  lines.push(
    result.tune
      ? "== formal dev split (20 % of the training part; tuning) =="
      : "== formal split (contest messages held out) ==",
  );
  lines.push(
    `accuracy ${f3(result.accuracy)}   macro-F1 ${f3(result.macroF1)}   ECE ${f3(result.ece)}   ` +
      `(${result.testCount} messages)`,
  );
  lines.push(`raw-text test messages: ${result.rawTest.count}, accuracy ${f3(result.rawTest.accuracy)}`);
  lines.push(
    `test messages whose other format (raw / pre-cut) is in the training part: ${result.twins.count}, ` +
      `accuracy ${f3(result.twins.accuracy)}; macro-F1 without them ${f3(result.twins.macroF1Without)}`,
  );
  lines.push(
    `model ${result.modelBytes} bytes (${(result.modelBytes / 1e6).toFixed(2)} MB), ${result.features} features, ` +
      `temperature ${result.temperature}; training ${result.trainSeconds.toFixed(1)} s ` +
      `(${result.trainCount} + ${result.seedCount} seed messages)`,
  );
  lines.push(
    `per message: median ${result.medianMs.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms, ` +
      `max ${Math.max(0, ...ev.timesMs).toFixed(3)} ms (every test message, fastest of ${TIMED_PASSES} passes after a warm-up pass)`,
  );
  if (result.seedCv) {
    lines.push(
      `seed data, ${result.seedCv.folds}-fold cross-validation (${result.seedCv.count} messages in the residents' voice): ` +
        `accuracy ${f3(result.seedCv.accuracy)}   macro-F1 ${f3(result.seedCv.macroF1)}`,
    );
  }
  for (const cv of result.formalCv ?? []) {
    lines.push(
      `formal training part, ${cv.folds.length}-fold cross-validation, ${cv.name}: macro-F1 ${f3(cv.mean)} ± ${f3(cv.sd)} ` +
        `(folds ${cv.folds.map(f3).join(" ")}), accuracy ${f3(cv.accuracy)}`,
    );
  }
  if (result.framedDev) {
    lines.push(
      `colloquial dev set in a web-form frame (${result.framedDev.count} reports): accuracy ${f3(result.framedDev.accuracy)}   ` +
        `macro-F1 ${f3(result.framedDev.macroF1)}   ECE ${f3(result.framedDev.ece)}`,
    );
  }
  lines.push("");
  lines.push(...evaluationLines(ev));
  const routeRow = (o: RoutingOutcome, mark: string) =>
    `${o.threshold.toFixed(2).padStart(9)}  ${pct(o.right).padStart(10)}  ${pct(o.triage).padStart(6)}  ` +
    `${pct(o.wrong).padStart(10)}  ${pct(o.rightOfRouted).padStart(15)}  ${o.cost.toFixed(3).padStart(6)}${mark}`;
  const section = (title: string, c: ColloquialScores, chosen: number | null) => {
    const q = c.evaluation;
    lines.push("");
    lines.push(`== ${title} (${c.file}) ==`);
    lines.push(
      `accuracy ${f3(q.accuracy)}   macro-F1 ${f3(q.macroF1)}   ECE ${f3(q.ece)}   (${c.count} reports); ` +
        `per message median ${quantile(q.timesMs, 0.5).toFixed(3)} ms, p99 ${quantile(q.timesMs, 0.99).toFixed(3)} ms`,
    );
    lines.push("");
    lines.push(...evaluationLines(q));
    const e = c.endToEnd;
    lines.push("");
    lines.push(`-- end to end: chooseCategory → lexicon refinement → routing rules of ${e.city} --`);
    lines.push("threshold  right dept  triage  wrong dept  right of routed  cost/report (wrong ×5 + triage)");
    for (const o of e.outcomes) {
      const marks = [
        o === e.recommended ? "lowest cost" : "",
        o === e.withinTriage ? `lowest cost with ≤ ${MAX_TRIAGE * 100} % triage` : "",
        o.threshold === chosen ? "chosen on the dev set" : "",
        o.cost <=
          Math.min(...e.outcomes.filter((x) => x.triage <= MAX_TRIAGE + 1e-9).map((x) => x.cost)) +
            WRONG_ROUTE_COST / c.count +
            1e-9 && o.triage <= MAX_TRIAGE + 1e-9
          ? "within one wrong report of it"
          : "",
      ].filter(Boolean);
      lines.push(routeRow(o, marks.length ? `  ← ${marks.join(", ")}` : ""));
    }
    lines.push(`configured threshold:`);
    lines.push(routeRow(e.configured, ""));
    lines.push(`with every report's true label (the ceiling of this city's lexicon and routing rules):`);
    lines.push(routeRow(c.ceiling, ""));
    if (e.missingDepartments.length) {
      const total = e.missingDepartments.reduce((a, m) => a + m.reports, 0);
      lines.push(
        `expected departments missing from this city (${total} reports can only be triaged or routed wrongly): ` +
          e.missingDepartments.map((m) => `${m.department} ${m.reports}`).join(", "),
      );
    }
  };
  const chosen = result.chosenThreshold?.dev.threshold ?? null;
  if (result.colloquialDev) section("colloquial dev set (tuning)", result.colloquialDev, chosen);
  if (result.colloquial) section("colloquial evaluation set (final measure)", result.colloquial, chosen);
  if (result.chosenThreshold) {
    const { dev, evaluation } = result.chosenThreshold;
    lines.push("");
    lines.push(
      `threshold chosen on the dev set: ${dev.threshold} (configured ${result.colloquialDev?.endToEnd.configured.threshold}); ` +
        `dev ${pct(dev.right)} right / ${pct(dev.triage)} triage / ${pct(dev.wrong)} wrong (${pct(dev.rightOfRouted)} of routed)` +
        (evaluation
          ? `; evaluation set ${pct(evaluation.right)} / ${pct(evaluation.triage)} / ${pct(evaluation.wrong)} (${pct(evaluation.rightOfRouted)} of routed)`
          : ""),
    );
  }
  if (result.variants.length > 1) {
    lines.push("");
    lines.push(
      "variants (same split; macro-F1 formal / colloquial dev / colloquial eval / dev in a web-form frame, ECE formal / dev / eval):",
    );
    for (const v of result.variants) {
      lines.push(
        `  ${v.name}: ${
          v.note && v.macroF1 === 0
            ? v.note
            : `macro-F1 ${f3(v.macroF1)} / ${v.devMacroF1 === undefined ? "-" : f3(v.devMacroF1)} / ` +
              `${v.colloquialMacroF1 === undefined ? "-" : f3(v.colloquialMacroF1)} / ` +
              `${v.framedDevMacroF1 === undefined ? "-" : f3(v.framedDevMacroF1)}, ` +
              `ECE ${f3(v.formalEce ?? 0)} / ${v.devEce === undefined ? "-" : f3(v.devEce)} / ` +
              `${v.colloquialEce === undefined ? "-" : f3(v.colloquialEce)}, ` +
              `${(v.modelBytes / 1e6).toFixed(2)} MB, training ${v.trainSeconds.toFixed(1)} s, ` +
              `median ${v.medianMs.toFixed(3)} ms${v.note ? ` (${v.note})` : ""}`
        }`,
      );
    }
  }
  return lines;
}

const USAGE = `usage: npm run bench:routing -- [--train F] [--test G | --split 0.2] [--seed N] [--compare] [--tune] [--seed-cv] [--formal-cv]\n       [--colloquial F] [--dev F] [--seed-data F | --no-seed-data] [--city F]`;

async function cli(argv: string[]): Promise<number> {
  let values: {
    train?: string;
    test?: string;
    split?: string;
    seed?: string;
    compare?: boolean;
    tune?: boolean;
    "seed-cv"?: boolean;
    "formal-cv"?: boolean;
    help?: boolean;
    colloquial?: string;
    dev?: string;
    "seed-data"?: string;
    "no-seed-data"?: boolean;
    city?: string;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        train: { type: "string" },
        test: { type: "string" },
        split: { type: "string" },
        seed: { type: "string" },
        compare: { type: "boolean" },
        tune: { type: "boolean" },
        "seed-cv": { type: "boolean" },
        "formal-cv": { type: "boolean" },
        colloquial: { type: "string" },
        dev: { type: "string" },
        "seed-data": { type: "string" },
        "no-seed-data": { type: "boolean" },
        city: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const split = values.split === undefined ? undefined : Number(values.split);
  if (split !== undefined && !(split > 0 && split < 1)) {
    console.error(`error: --split must be a fraction between 0 and 1\n${USAGE}`);
    return 2;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    console.error(`error: --seed must be an integer\n${USAGE}`);
    return 2;
  }
  if (values.test && split !== undefined) {
    console.error(`error: give either --test or --split, not both\n${USAGE}`);
    return 2;
  }
  await runRoutingBench({
    ...(values.train ? { train: resolve(values.train) } : {}),
    ...(values.test ? { test: resolve(values.test) } : {}),
    ...(split !== undefined ? { split } : {}),
    ...(seed !== undefined ? { seed } : {}),
    compare: values.compare ?? false,
    tune: values.tune ?? false,
    seedCv: values["seed-cv"] ?? false,
    formalCv: values["formal-cv"] ?? false,
    ...(values.colloquial ? { colloquial: resolve(values.colloquial) } : {}),
    ...(values.dev ? { dev: resolve(values.dev) } : {}),
    ...(values["no-seed-data"]
      ? { seedData: null }
      : values["seed-data"]
        ? { seedData: resolve(values["seed-data"]) }
        : {}),
    ...(values.city ? { city: resolve(values.city) } : {}),
    print: true,
  });
  return 0;
}

const invokedPath = process.argv[1];
if (invokedPath && import.meta.url === pathToFileURL(resolve(invokedPath)).href) {
  cli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
