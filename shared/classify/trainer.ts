import { stratifiedFolds, stratifiedSplit } from "./evaluate.js";
import {
  DEFAULT_FEATURES,
  extractFeatures,
  type FeatureConfig,
  type SparseVector,
  vectorize,
} from "./features.js";
import { compareStrings, FULL_EVIDENCE, IDF_SCALE, type Model, scoreVector } from "./model.js";
import { seededRandom, shuffleInPlace } from "./random.js";
import type { TrainingRow } from "./types.js";

export interface TrainOptions {
  /** Feature extraction; defaults to {@link DEFAULT_FEATURES}. */
  features?: Partial<FeatureConfig>;
  /** A feature must occur in at least this many training messages (default 2, or 1 below 500 messages). */
  minDf?: number;
  /** Keep at most this many features, the most frequent first (default 400,000). */
  maxFeatures?: number;
  /** SVM cost C: higher fits the training data more closely (default 2). */
  C?: number;
  /** Smoothing of the naive-Bayes feature scaling (NBSVM); 0 turns the scaling off (default 0.1). */
  nbSmoothing?: number;
  /** Passes of dual coordinate descent per class (default 10). */
  epochs?: number;
  /** Seed of every shuffle and of the calibration split (default 20200601). */
  seed?: number;
  /** Weight each class's positive examples inversely to its frequency (default true). */
  balanced?: boolean;
  /**
   * Class priors of the final model: "learned" keeps each class's bias as trained; "uniform" replaces the biases
   * by their mean, so no class is favoured when a message carries little evidence (default "learned").
   */
  priors?: "learned" | "uniform";
  /**
   * Fit the softmax temperature on held-out scores (one stratified 80/20 split from 2,000 rows on, 5-fold
   * cross-validation below), then train on all rows. Default: on from 20 rows; otherwise, or when off,
   * {@link DEFAULT_TEMPERATURE} is used.
   */
  calibrate?: boolean;
  /**
   * Fixed weight of the city's keywords at scoring time ({@link Model.lexiconBoost}); needs `features.lexicon`.
   * The temperature is fitted with the boost in place (default 0: off).
   */
  lexiconBoost?: number;
  /** Length above which the boost shrinks in proportion ({@link Model.lexiconBoostChars}); default none. */
  lexiconBoostChars?: number;
  /**
   * How fast the boost and the companion's share shrink above their lengths ({@link Model.shrinkPower}):
   * × (chars₀ / length) ^ shrinkPower (default 1: in proportion). The temperature is fitted with it in place.
   */
  shrinkPower?: number;
  /**
   * Train a companion model ({@link Model.companion}) on the rows in the residents' own voice — those whose
   * `weight` is above 1 (seed data, tickets a dispatcher or a closure confirmed) — with the same options, and
   * average its confidences with the main model's at `weight` (shrinking in proportion above `chars`
   * characters). The companion is always calibrated (its temperature decides its share of the average). Needs at
   * least 20 such rows of 2 labels; otherwise no companion is trained. Default: off.
   */
  companion?: { weight: number; chars?: number };
  /**
   * Experiments only (see bench/routing.ts --compare): a word segmenter whose words are added as features.
   * It is not stored in the model file, so a model trained with it must be used with the same segmenter.
   */
  extraWords?: (normalized: string) => string[];
}

/** Temperature used when the training set is too small to calibrate on. */
export const DEFAULT_TEMPERATURE = 0.2;
const CALIBRATION_MIN_ROWS = 20;
const MIN_TEMPERATURE = 0.1;

interface HeldOutScores {
  scores: Float64Array;
  y: number;
  /** The example's weight: messages in the residents' voice count as much in calibration as in training. */
  weight: number;
}

interface Resolved {
  features: FeatureConfig;
  minDf: number;
  maxFeatures: number;
  C: number;
  nbSmoothing: number;
  epochs: number;
  seed: number;
  balanced: boolean;
  priors: "learned" | "uniform";
  lexiconBoost: number;
  lexiconBoostChars: number | undefined;
  shrinkPower: number;
  extraWords: ((normalized: string) => string[]) | undefined;
}

function resolve(rows: readonly TrainingRow[], options: TrainOptions): Resolved {
  const features: FeatureConfig = { ...DEFAULT_FEATURES };
  for (const [key, value] of Object.entries(options.features ?? {})) {
    if (value !== undefined) (features as unknown as Record<string, unknown>)[key] = value;
  }
  return {
    features,
    minDf: options.minDf ?? (rows.length < 500 ? 1 : 2),
    maxFeatures: options.maxFeatures ?? 400_000,
    C: options.C ?? 2,
    nbSmoothing: options.nbSmoothing ?? 0.1,
    epochs: options.epochs ?? 10,
    seed: options.seed ?? 20200601,
    balanced: options.balanced ?? true,
    priors: options.priors ?? "learned",
    lexiconBoost: features.lexicon ? Math.max(0, options.lexiconBoost ?? 0) : 0,
    lexiconBoostChars:
      options.lexiconBoostChars && options.lexiconBoostChars > 0 ? options.lexiconBoostChars : undefined,
    shrinkPower: options.shrinkPower && options.shrinkPower > 0 ? options.shrinkPower : 1,
    extraWords: options.extraWords,
  };
}

/**
 * Trains a classifier: one-vs-rest linear SVMs (squared hinge loss, dual coordinate descent as in LIBLINEAR)
 * over L2-normalised tf-idf character n-grams with naive-Bayes feature scaling (NBSVM), with
 * softmax-calibrated confidences.
 *
 * Deterministic: the same rows in the same order with the same options give the same model (no clock, no
 * Math.random). Throws when fewer than two distinct labels are present.
 */
export function trainModel(rows: readonly TrainingRow[], options: TrainOptions = {}): Model {
  const labels = [...new Set(rows.map((r) => r.label))].sort(compareStrings);
  if (labels.length < 2) {
    throw new Error(`need at least 2 distinct labels to train, got ${labels.length}`);
  }
  const opts = resolve(rows, options);
  const calibrate = options.calibrate ?? rows.length >= CALIBRATION_MIN_ROWS;
  let temperature = DEFAULT_TEMPERATURE;
  if (calibrate) {
    // Held-out scores: one 80/20 split for large data, 5-fold cross-validation for small data.
    const held: HeldOutScores[] = [];
    if (rows.length >= 2000) {
      const { train, test } = stratifiedSplit(rows, 0.2, opts.seed);
      if (new Set(train.map((r) => r.label)).size >= 2) held.push(...heldOutScores(train, test, opts));
    } else {
      const folds = stratifiedFolds(rows, 5, opts.seed);
      for (let f = 0; f < 5; f++) {
        const train = rows.filter((_, i) => folds[i] !== f);
        const test = rows.filter((_, i) => folds[i] === f);
        if (new Set(train.map((r) => r.label)).size >= 2) held.push(...heldOutScores(train, test, opts));
      }
    }
    if (held.length > 0) temperature = fitTemperature(held);
  }
  const model: Model = { ...trainCore(rows, opts), temperature };
  const companion = options.companion;
  if (companion && companion.weight > 0 && companion.weight < 1) {
    const voice = rows.filter((r) => (r.weight ?? 1) > 1);
    if (voice.length >= CALIBRATION_MIN_ROWS && new Set(voice.map((r) => r.label)).size >= 2) {
      const { companion: _off, calibrate: _calibrate, ...rest } = options;
      model.companion = trainModel(voice, rest);
      model.companionWeight = companion.weight;
      if (companion.chars && companion.chars > 0) model.companionChars = companion.chars;
    }
  }
  return model;
}

function trainCore(rows: readonly TrainingRow[], opts: Resolved): Model {
  const labels = [...new Set(rows.map((r) => r.label))].sort(compareStrings);
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const L = labels.length;
  const N = rows.length;

  // Vocabulary: features by document frequency, sorted so the model file is stable.
  const docCounts = rows.map((r) => extractFeatures(r.text, opts.features, opts.extraWords));
  const df = new Map<string, number>();
  for (const counts of docCounts) for (const f of counts.keys()) df.set(f, (df.get(f) ?? 0) + 1);
  let kept = [...df.entries()].filter(([, n]) => n >= opts.minDf);
  if (kept.length > opts.maxFeatures) {
    kept.sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]));
    kept = kept.slice(0, opts.maxFeatures);
  }
  kept.sort((a, b) => compareStrings(a[0], b[0]));
  const vocab = kept.map(([f]) => f);
  // Idf is rounded to the precision of the model file, so training sees what inference sees.
  const idf = Float64Array.from(
    kept,
    ([, n]) => Math.round((Math.log((1 + N) / (1 + n)) + 1) * IDF_SCALE) / IDF_SCALE,
  );
  const lookup = new Map(vocab.map((f, i) => [f, i]));
  const xs = docCounts.map((counts) => vectorize(counts, lookup, idf));
  const ys = rows.map((r) => labelIndex.get(r.label)!);

  const classCount = new Float64Array(L);
  for (const y of ys) classCount[y]!++;
  const classWeight = Float64Array.from(classCount, (c) => (opts.balanced ? N / (L * c) : 1));
  const { weights, bias } = trainSvm(
    xs,
    ys,
    vocab.length,
    L,
    opts,
    classWeight,
    rows.map((r) => r.weight),
  );
  if (opts.priors === "uniform") {
    const mean = bias.reduce((a, b) => a + b, 0) / L;
    bias.fill(mean);
  }
  return {
    features: opts.features,
    labels,
    vocab,
    idf,
    weights,
    bias,
    temperature: 1,
    fullEvidence: FULL_EVIDENCE,
    ...(opts.lexiconBoost > 0 ? { lexiconBoost: opts.lexiconBoost } : {}),
    ...(opts.lexiconBoost > 0 && opts.lexiconBoostChars ? { lexiconBoostChars: opts.lexiconBoostChars } : {}),
    ...(opts.shrinkPower !== 1 ? { shrinkPower: opts.shrinkPower } : {}),
  };
}

/**
 * NBSVM-style feature scaling for class c (Wang & Manning 2012): |log-count ratio| of each feature between the
 * class and the rest, from smoothed sums of tf-idf values. Features typical of either side are amplified,
 * features spread evenly are damped.
 */
function naiveBayesScale(
  xs: readonly SparseVector[],
  ys: readonly number[],
  c: number,
  smoothing: number,
  out: Float64Array,
): void {
  const V = out.length;
  const p = new Float64Array(V).fill(smoothing);
  const q = new Float64Array(V).fill(smoothing);
  xs.forEach((x, i) => {
    const sums = ys[i] === c ? p : q;
    for (let k = 0; k < x.index.length; k++) sums[x.index[k]!]! += x.value[k]!;
  });
  let pTotal = 0;
  let qTotal = 0;
  for (let j = 0; j < V; j++) {
    pTotal += p[j]!;
    qTotal += q[j]!;
  }
  for (let j = 0; j < V; j++) out[j] = Math.abs(Math.log(p[j]! / pTotal / (q[j]! / qTotal)));
}

/**
 * One-vs-rest L2-regularised squared-hinge SVMs, solved in the dual by coordinate descent (Hsieh et al. 2008),
 * over features scaled per class by {@link naiveBayesScale} (the scale is folded into the stored weights).
 * The bias is learned as the weight of a constant feature 1.
 */
function trainSvm(
  xs: readonly SparseVector[],
  ys: readonly number[],
  V: number,
  L: number,
  opts: Resolved,
  classWeight: Float64Array,
  weightsOf: readonly (number | undefined)[],
): { weights: Float64Array; bias: Float64Array } {
  const weights = new Float64Array(V * L);
  const bias = new Float64Array(L);
  const N = xs.length;
  const order = Array.from({ length: N }, (_, i) => i);
  const random = seededRandom(opts.seed);
  const w = new Float64Array(V);
  const alpha = new Float64Array(N);
  const r = new Float64Array(V);
  const sqNorm = new Float64Array(N);
  const rowWeight = Float64Array.from(weightsOf, (w) => (w !== undefined && w > 0 ? w : 1));
  for (let c = 0; c < L; c++) {
    if (opts.nbSmoothing > 0) naiveBayesScale(xs, ys, c, opts.nbSmoothing, r);
    else r.fill(1);
    for (let i = 0; i < N; i++) {
      const x = xs[i]!;
      let s = 1;
      for (let k = 0; k < x.index.length; k++) s += (x.value[k]! * r[x.index[k]!]!) ** 2;
      sqNorm[i] = s;
    }
    w.fill(0);
    alpha.fill(0);
    let b = 0;
    const diagPos = 1 / (2 * opts.C * classWeight[c]!);
    const diagNeg = 1 / (2 * opts.C);
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      shuffleInPlace(order, random);
      for (const i of order) {
        const x = xs[i]!;
        const positive = ys[i] === c;
        const y = positive ? 1 : -1;
        const weight = rowWeight[i]!;
        const diag = (positive ? diagPos : diagNeg) / weight;
        let dot = b;
        for (let k = 0; k < x.index.length; k++) dot += w[x.index[k]!]! * x.value[k]! * r[x.index[k]!]!;
        const a0 = alpha[i]!;
        const gradient = y * dot - 1 + diag * a0;
        const a1 = Math.max(a0 - gradient / (sqNorm[i]! + diag), 0);
        if (a1 === a0) continue;
        const delta = (a1 - a0) * y;
        alpha[i] = a1;
        for (let k = 0; k < x.index.length; k++) w[x.index[k]!]! += delta * x.value[k]! * r[x.index[k]!]!;
        b += delta;
      }
    }
    for (let j = 0; j < V; j++) weights[j * L + c] = w[j]! * r[j]!;
    bias[c] = b;
  }
  return { weights, bias };
}

/** Scores of a model trained on `train` for the rows of `test` whose label it knows. */
function heldOutScores(
  train: readonly TrainingRow[],
  test: readonly TrainingRow[],
  opts: Resolved,
): HeldOutScores[] {
  const model = trainCore(train, opts);
  const lookup = new Map(model.vocab.map((f, i) => [f, i]));
  const labelIndex = new Map(model.labels.map((l, i) => [l, i]));
  const out: HeldOutScores[] = [];
  for (const row of test) {
    const y = labelIndex.get(row.label);
    if (y === undefined) continue;
    const counts = extractFeatures(row.text, opts.features, opts.extraWords);
    const x = vectorize(counts, lookup, model.idf);
    if (x.index.length === 0) continue;
    out.push({ scores: scoreVector(model, x, counts), y, weight: row.weight ?? 1 });
  }
  return out;
}

/** Temperature minimising the negative log-likelihood of held-out labels (golden-section search on log T). */
function fitTemperature(samples: readonly HeldOutScores[]): number {
  const nll = (logT: number): number => {
    const t = Math.exp(logT);
    let total = 0;
    for (const { scores, y, weight } of samples) {
      let max = Number.NEGATIVE_INFINITY;
      for (const s of scores) max = Math.max(max, s / t);
      let sum = 0;
      for (const s of scores) sum += Math.exp(s / t - max);
      total += weight * (Math.log(sum) + max - scores[y]! / t);
    }
    return total;
  };
  // Bounded: with few, perfectly separated held-out messages the likelihood keeps improving as T → 0.
  let lo = Math.log(MIN_TEMPERATURE);
  let hi = Math.log(5);
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = nll(a);
  let fb = nll(b);
  for (let i = 0; i < 40; i++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = nll(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = nll(b);
    }
  }
  return Number(Math.exp((lo + hi) / 2).toPrecision(4));
}
