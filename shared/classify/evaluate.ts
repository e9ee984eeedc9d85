import { seededRandom, shuffleInPlace } from "./random.js";
import type { Classifier, TrainingRow } from "./types.js";

/**
 * Groups of identical (label, text) rows — as row indexes — collected per label, each label's groups in first-seen
 * order. Both splitters shuffle these groups, so duplicated messages always land on the same side.
 */
function duplicateGroupsByLabel(rows: readonly TrainingRow[]): Map<string, number[][]> {
  const groups = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const key = `${row.label}\u0000${row.text}`;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const byLabel = new Map<string, number[][]>();
  for (const group of groups.values()) {
    const label = rows[group[0]!]!.label;
    const list = byLabel.get(label);
    if (list) list.push(group);
    else byLabel.set(label, [group]);
  }
  return byLabel;
}

/**
 * Stratified hold-out split with a fixed seed. Rows with identical text stay on the same side, so duplicated
 * messages cannot leak from training into the held-out set.
 */
export function stratifiedSplit<T extends TrainingRow>(
  rows: readonly T[],
  testFraction: number,
  seed: number,
): { train: T[]; test: T[] } {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error("split fraction must be between 0 and 1");
  const byLabel = duplicateGroupsByLabel(rows);
  const random = seededRandom(seed);
  const train: T[] = [];
  const test: T[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const list = shuffleInPlace(byLabel.get(label)!, random);
    const total = list.reduce((n, g) => n + g.length, 0);
    const want = Math.round(total * testFraction);
    let taken = 0;
    for (const group of list) {
      const members = group.map((i) => rows[i]!);
      if (taken < want) {
        test.push(...members);
        taken += members.length;
      } else train.push(...members);
    }
  }
  return { train, test };
}

/**
 * Assigns each row to one of `k` folds, stratified by label (seeded), keeping rows with identical text together.
 * Returns the fold number of every row, in input order.
 */
export function stratifiedFolds(rows: readonly TrainingRow[], k: number, seed: number): number[] {
  const byLabel = duplicateGroupsByLabel(rows);
  const random = seededRandom(seed);
  const fold = new Array<number>(rows.length).fill(0);
  let next = 0;
  for (const label of [...byLabel.keys()].sort()) {
    for (const group of shuffleInPlace(byLabel.get(label)!, random)) {
      for (const i of group) fold[i] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}

export interface ClassScores {
  label: string;
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface Evaluation {
  count: number;
  accuracy: number;
  macroF1: number;
  perClass: ClassScores[];
  /** labels (sorted) of the confusion matrix; "(none)" collects messages that got no suggestion. */
  labels: string[];
  /** confusion[actual][predicted] */
  confusion: number[][];
  /** Per-message classification time in milliseconds, in the order of the test rows. */
  timesMs: number[];
  /** Per threshold: share of messages whose top confidence reached it, and the accuracy on those and the rest. */
  thresholds: ThresholdScores[];
  /**
   * Expected calibration error of the top suggestion: messages binned by confidence into tenths, the mean over
   * bins (weighted by their size) of |accuracy − mean confidence|. 0 means "0.8 is right 80 % of the time".
   */
  ece: number;
}

export interface ThresholdScores {
  value: number;
  coverage: number;
  accuracyAbove: number;
  accuracyBelow: number;
}

export interface EvaluateOptions {
  /** Thresholds to report (default 0.3, 0.5, 0.7, 0.9). */
  thresholds?: readonly number[];
  /** Rows classified once, untimed, before measuring (default: all of them). */
  warmup?: number;
  /**
   * Timed passes over the rows (default 1); each row's time is its fastest pass, so that a pass pre-empted by
   * another process on a shared machine does not count as the classifier's time.
   */
  passes?: number;
}

/** Classifies every row once, timing each call after an untimed warm-up pass, and scores the answers. */
export function evaluateClassifier(
  classifier: Classifier,
  rows: readonly TrainingRow[],
  options: EvaluateOptions = {},
): Evaluation {
  for (const row of rows.slice(0, options.warmup ?? rows.length)) classifier.suggest(row.text, 1);
  const NONE = "(none)";
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  const predicted: string[] = [];
  const confidences: number[] = [];
  const timesMs: number[] = [];
  for (const row of rows) {
    const start = performance.now();
    const top = classifier.suggest(row.text, 1)[0];
    timesMs.push(performance.now() - start);
    predicted.push(top?.label ?? NONE);
    confidences.push(top?.confidence ?? 0);
  }
  for (let pass = 1; pass < (options.passes ?? 1); pass++) {
    rows.forEach((row, i) => {
      const start = performance.now();
      classifier.suggest(row.text, 1);
      timesMs[i] = Math.min(timesMs[i]!, performance.now() - start);
    });
  }
  for (const p of predicted) if (!labels.includes(p)) labels.push(p);
  const index = new Map(labels.map((l, i) => [l, i]));
  const confusion = labels.map(() => labels.map(() => 0));
  let correct = 0;
  rows.forEach((row, i) => {
    const p = predicted[i]!;
    confusion[index.get(row.label)!]![index.get(p)!]!++;
    if (p === row.label) correct++;
  });
  const thresholds = (options.thresholds ?? [0.3, 0.5, 0.7, 0.9]).map((value) => {
    let above = 0;
    let correctAbove = 0;
    rows.forEach((row, i) => {
      if (confidences[i]! >= value) {
        above++;
        if (predicted[i] === row.label) correctAbove++;
      }
    });
    const below = rows.length - above;
    return {
      value,
      coverage: rows.length > 0 ? above / rows.length : 0,
      accuracyAbove: above > 0 ? correctAbove / above : 0,
      accuracyBelow: below > 0 ? (correct - correctAbove) / below : 0,
    };
  });
  const perClass: ClassScores[] = labels
    .filter((l) => l !== NONE || rows.some((r) => r.label === NONE))
    .map((label) => {
      const k = index.get(label)!;
      const tp = confusion[k]![k]!;
      const support = confusion[k]!.reduce((a, b) => a + b, 0);
      const predictedCount = confusion.reduce((a, row) => a + row[k]!, 0);
      const precision = predictedCount > 0 ? tp / predictedCount : 0;
      const recall = support > 0 ? tp / support : 0;
      const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
      return { label, support, precision, recall, f1 };
    })
    .filter((c) => c.support > 0);
  const n = rows.length;
  const bins = Array.from({ length: 10 }, () => ({ count: 0, confidence: 0, correct: 0 }));
  rows.forEach((row, i) => {
    const bin = bins[Math.min(9, Math.floor(confidences[i]! * 10))]!;
    bin.count++;
    bin.confidence += confidences[i]!;
    if (predicted[i] === row.label) bin.correct++;
  });
  const ece =
    n > 0 ? bins.reduce((a, b) => a + (b.count > 0 ? Math.abs(b.correct - b.confidence) : 0), 0) / n : 0;
  return {
    count: n,
    accuracy: n > 0 ? correct / n : 0,
    macroF1: perClass.length > 0 ? perClass.reduce((a, c) => a + c.f1, 0) / perClass.length : 0,
    perClass,
    labels,
    confusion,
    timesMs,
    thresholds,
    ece,
  };
}

/** The q-quantile (0..1) of a list of numbers (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
