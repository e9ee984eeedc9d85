import {
  extractFeatures,
  type FeatureConfig,
  LEXICON_PREFIX,
  type SparseVector,
  vectorize,
} from "./features.js";
import type { Classifier, Suggestion } from "./types.js";

/** A trained linear model over sparse tf-idf features (see trainer.ts). */
export interface Model {
  features: FeatureConfig;
  /** Labels, sorted. */
  labels: string[];
  /** Feature strings, sorted; index i owns `idf[i]` and `weights[i * labels.length + k]`. */
  vocab: string[];
  idf: Float64Array;
  weights: Float64Array;
  bias: Float64Array;
  /** Softmax temperature: confidences are softmax(score × evidence / temperature). */
  temperature: number;
  /**
   * Messages with fewer distinct known features than this get softer confidences: scores are multiplied by
   * evidence = sqrt(min(1, known / fullEvidence)), so a lone character cannot produce a confident answer.
   */
  fullEvidence: number;
  /**
   * Fixed weight of the city's keywords (features.lexicon): each distinct keyword of label c found in the text
   * adds this much to c's score, after the evidence damping (up to {@link LEXICON_BOOST_CAP} keywords). The
   * contest data the weights are learned from files some matters under other labels than the city does (bus
   * complaints, lifts, public toilets); the boost lets the city's own item list speak with a weight chosen on the
   * colloquial dev set. 0 or absent: off.
   */
  lexiconBoost?: number;
  /**
   * Messages longer than this many characters get a proportionally smaller lexicon boost (boost × this / length):
   * a long message carries enough evidence of its own for the learned weights. Absent: the boost is the same at
   * every length.
   */
  lexiconBoostChars?: number;
  /**
   * A second, small model trained only on the examples in the residents' own voice (seed data, tickets a
   * dispatcher or a closure confirmed), on the same features. Its confidences are averaged with this model's:
   * confidence = (1 − a) × this + a × companion, with a = {@link companionWeight} up to
   * {@link companionChars} characters and shrinking in proportion above. The contest data that dominates the
   * main model's weights files bus, road and pollution matters under 城乡建设; the companion knows only the city's
   * taxonomy. Absent: off.
   */
  companion?: Model;
  /** Weight a of the companion's confidences (0 < a < 1); needs {@link companion}. */
  companionWeight?: number;
  /** Length above which the companion's weight shrinks in proportion (× this / length); absent: every length. */
  companionChars?: number;
  /**
   * How fast the lexicon boost and the companion's share shrink above {@link lexiconBoostChars} and
   * {@link companionChars}: they are multiplied by (chars₀ / length) ^ shrinkPower. Absent: 1 (in proportion).
   * The contest's short formal messages (40–150 characters) follow the contest's taxonomy; a faster shrink
   * leaves them more of their learned answer without changing anything up to chars₀.
   */
  shrinkPower?: number;
}

/** The factor of the boost or the companion's share for a text of `chars` characters (see {@link Model.shrinkPower}). */
export function shrinkFactor(limit: number | undefined, chars: number, power = 1): number {
  if (!limit || chars <= limit) return 1;
  return (limit / chars) ** power;
}

/** At most this many keywords of one label count towards {@link Model.lexiconBoost}. */
export const LEXICON_BOOST_CAP = 3;

/**
 * Below this share of the average (long messages: a formal letter of 240 characters at weight 0.3 shrinking
 * above 40) the companion is not consulted: it could only tip a near-tie, and long messages are where the time
 * per message goes.
 */
export const COMPANION_MIN_SHARE = 0.05;

/** Default of {@link Model.fullEvidence}: about what a four-character message yields. */
export const FULL_EVIDENCE = 16;

const MODEL_TYPE = "category-model";
const MODEL_VERSION = 5;
/**
 * Versions this code reads: 1 (before colloquial normalisation and lexicon features), 2 (before the lexicon
 * boost), 3 (before the companion model), 4 (before {@link Model.shrinkPower}), 5.
 */
const READABLE_VERSIONS = new Set([1, 2, 3, 4, 5]);
/** Idf values are stored as integers in thousandths. */
export const IDF_SCALE = 1000;

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Per-label scores (bias + w·x), damped by the amount of evidence (see {@link Model.fullEvidence}), plus the
 * lexicon boost when the model has one and the feature counts of the text are given.
 */
export function scoreVector(
  model: Model,
  x: SparseVector,
  counts?: ReadonlyMap<string, number>,
): Float64Array {
  const L = model.labels.length;
  const scores = Float64Array.from(model.bias);
  for (let k = 0; k < x.index.length; k++) {
    const base = x.index[k]! * L;
    const v = x.value[k]!;
    for (let c = 0; c < L; c++) scores[c]! += model.weights[base + c]! * v;
  }
  const evidence = Math.sqrt(Math.min(1, x.index.length / model.fullEvidence));
  for (let c = 0; c < L; c++) scores[c] = scores[c]! * evidence;
  const boost = model.lexiconBoost ?? 0;
  if (boost > 0 && counts) {
    let scale = 1;
    if (model.lexiconBoostChars) {
      // Text length = occurrences of single characters (1-grams); head and lexicon features are longer.
      let chars = 0;
      for (const [f, n] of counts) if (f.length === 1) chars += n;
      scale = shrinkFactor(model.lexiconBoostChars, chars, model.shrinkPower);
    }
    for (let c = 0; c < L; c++) {
      const n = counts.get(LEXICON_PREFIX + model.labels[c]!) ?? 0;
      if (n > 0) scores[c] = scores[c]! + boost * scale * Math.min(n, LEXICON_BOOST_CAP);
    }
  }
  return scores;
}

function softmaxInPlace(scores: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (let k = 0; k < scores.length; k++) {
    const e = Math.exp(scores[k]! - max);
    scores[k] = e;
    sum += e;
  }
  for (let k = 0; k < scores.length; k++) scores[k] = scores[k]! / sum;
}

/**
 * Builds a classifier from an in-memory model. `extraWords` is only for models trained with the same
 * experimental word segmenter (see TrainOptions.extraWords); normal models need no options.
 */
export function createModelClassifier(
  model: Model,
  options: { extraWords?: (normalized: string) => string[] } = {},
): Classifier {
  const L = model.labels.length;
  const main = modelScorer(model);
  const companion =
    model.companion && model.companionWeight && model.companionWeight > 0
      ? {
          score: modelScorer(model.companion),
          // Trained with the same options, the companion reads the same features: extract them once.
          sameFeatures: JSON.stringify(model.companion.features) === JSON.stringify(model.features),
          // The companion's label order mapped onto this model's (a label it never saw gets 0).
          index: model.labels.map((l) => model.companion!.labels.indexOf(l)),
          weight: Math.min(1, model.companionWeight),
          chars: model.companionChars,
          power: model.shrinkPower,
        }
      : null;
  return {
    suggest(text: string, limit?: number): Suggestion[] {
      const max = limit === undefined ? L : Math.max(0, Math.floor(limit));
      if (typeof text !== "string" || max === 0) return [];
      const counts = extractFeatures(text, model.features, options.extraWords);
      const scored = main(counts);
      if (!scored) return [];
      const probs = scored.probs;
      let share = 0;
      if (companion) {
        share = companion.weight * shrinkFactor(companion.chars, scored.chars, companion.power);
      }
      if (companion && share >= COMPANION_MIN_SHARE) {
        const other = companion.score(
          companion.sameFeatures
            ? counts
            : extractFeatures(text, model.companion!.features, options.extraWords),
        );
        if (other) {
          const a = share;
          for (let c = 0; c < L; c++) {
            const k = companion.index[c]!;
            probs[c] = (1 - a) * probs[c]! + a * (k >= 0 ? other.probs[k]! : 0);
          }
        }
      }
      const ranked = model.labels.map((label, c) => ({ label, confidence: probs[c]! }));
      ranked.sort((a, b) => b.confidence - a.confidence || compareStrings(a.label, b.label));
      return ranked.slice(0, max);
    },
  };
}

/**
 * Calibrated confidences of one model for a text's feature counts (in label order) and the text's length; null
 * without signal.
 */
function modelScorer(
  model: Model,
): (counts: ReadonlyMap<string, number>) => { probs: Float64Array; chars: number } | null {
  const lookup = new Map(model.vocab.map((f, i) => [f, i]));
  const L = model.labels.length;
  return (counts) => {
    const x = vectorize(counts, lookup, model.idf);
    if (x.index.length === 0) return null;
    const scores = scoreVector(model, x, counts);
    for (let c = 0; c < L; c++) scores[c] = scores[c]! / model.temperature;
    softmaxInPlace(scores);
    let chars = 0;
    for (const [f, n] of counts) if (f.length === 1) chars += n;
    return { probs: scores, chars };
  };
}

interface ModelFile {
  type: string;
  version: number;
  features: FeatureConfig;
  labels: string[];
  temperature: number;
  fullEvidence: number;
  lexiconBoost?: number;
  lexiconBoostChars?: number;
  companion?: Omit<ModelFile, "type" | "version">;
  companionWeight?: number;
  companionChars?: number;
  shrinkPower?: number;
  bias: number[];
  weightScale: number;
  vocab: string;
  idf: string;
  weights: string;
}

/**
 * Serialises a model to a JSON string (UTF-8 when written to a file). Weights are quantised to 16 bits and
 * features whose weights all quantise to zero are dropped. Deterministic: same model → same string.
 */
export function serializeModel(model: Model): string {
  return `${JSON.stringify(modelFile(model))}\n`;
}

function modelFile(model: Model): ModelFile {
  const L = model.labels.length;
  let maxAbs = 0;
  for (const w of model.weights) maxAbs = Math.max(maxAbs, Math.abs(w));
  const weightScale = maxAbs > 0 ? maxAbs / 32767 : 1;
  const keep: number[] = [];
  for (let i = 0; i < model.vocab.length; i++) {
    for (let c = 0; c < L; c++) {
      if (Math.round(model.weights[i * L + c]! / weightScale) !== 0) {
        keep.push(i);
        break;
      }
    }
  }
  const weightView = new DataView(new ArrayBuffer(keep.length * L * 2));
  const idfView = new DataView(new ArrayBuffer(keep.length * 2));
  keep.forEach((i, row) => {
    idfView.setUint16(row * 2, Math.min(65535, Math.round(model.idf[i]! * IDF_SCALE)), true);
    for (let c = 0; c < L; c++) {
      weightView.setInt16((row * L + c) * 2, Math.round(model.weights[i * L + c]! / weightScale), true);
    }
  });
  const file: ModelFile = {
    type: MODEL_TYPE,
    version: MODEL_VERSION,
    features: {
      ngramMin: model.features.ngramMin,
      ngramMax: model.features.ngramMax,
      words: model.features.words,
      maxChars: model.features.maxChars,
      foldDigits: model.features.foldDigits,
      head: model.features.head,
      ...(model.features.colloquial ? { colloquial: true } : {}),
      ...(model.features.frames ? { frames: true } : {}),
      ...(model.features.lexicon ? { lexicon: sortedLexicon(model.features.lexicon) } : {}),
    },
    labels: model.labels,
    temperature: model.temperature,
    fullEvidence: model.fullEvidence,
    ...(model.lexiconBoost ? { lexiconBoost: model.lexiconBoost } : {}),
    ...(model.lexiconBoost && model.lexiconBoostChars ? { lexiconBoostChars: model.lexiconBoostChars } : {}),
    ...(model.companion && model.companionWeight
      ? (() => {
          const { type: _type, version: _version, ...companion } = modelFile(model.companion);
          return {
            companion,
            companionWeight: model.companionWeight,
            ...(model.companionChars ? { companionChars: model.companionChars } : {}),
          };
        })()
      : {}),
    ...(model.shrinkPower !== undefined && model.shrinkPower !== 1 ? { shrinkPower: model.shrinkPower } : {}),
    bias: Array.from(model.bias, (b) => Number(b.toPrecision(8))),
    weightScale: Number(weightScale.toPrecision(8)),
    vocab: keep.map((i) => model.vocab[i]!).join("\n"),
    idf: Buffer.from(idfView.buffer).toString("base64"),
    weights: Buffer.from(weightView.buffer).toString("base64"),
  };
  return file;
}

function sortedLexicon(lexicon: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const label of Object.keys(lexicon).sort(compareStrings)) {
    out[label] = [...new Set(lexicon[label] ?? [])].sort(compareStrings);
  }
  return out;
}

function isLexicon(value: unknown): value is Record<string, string[]> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => Array.isArray(v) && v.every((k) => typeof k === "string"))
  );
}

function fail(message: string): never {
  throw new Error(`invalid category model: ${message}`);
}

/** Parses a serialised model (string or UTF-8 bytes) back into a {@link Model}. Throws on a malformed file. */
export function parseModel(bytes: string | Uint8Array): Model {
  const text = typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    fail("not JSON");
  }
  if (typeof raw !== "object" || raw === null) fail("not an object");
  const f = raw as Partial<ModelFile>;
  if (f.type !== MODEL_TYPE) fail(`type must be "${MODEL_TYPE}"`);
  if (typeof f.version !== "number" || !READABLE_VERSIONS.has(f.version))
    fail(`unsupported version ${String(f.version)}`);
  return modelFromFile(f);
}

function modelFromFile(f: Partial<ModelFile>): Model {
  let companion: Model | undefined;
  if (f.companion !== undefined || f.companionWeight !== undefined) {
    if (typeof f.companion !== "object" || f.companion === null || Array.isArray(f.companion))
      fail("bad companion");
    if (typeof f.companionWeight !== "number" || !(f.companionWeight > 0 && f.companionWeight < 1))
      fail("bad companionWeight");
    if (f.companionChars !== undefined && (typeof f.companionChars !== "number" || !(f.companionChars > 0)))
      fail("bad companionChars");
    if ((f.companion as Partial<ModelFile>).companion !== undefined) fail("bad companion");
    companion = modelFromFile(f.companion as Partial<ModelFile>);
  }
  const feat = f.features;
  if (
    !feat ||
    !Number.isInteger(feat.ngramMin) ||
    !Number.isInteger(feat.ngramMax) ||
    feat.ngramMin < 1 ||
    feat.ngramMax < feat.ngramMin ||
    typeof feat.words !== "boolean" ||
    !Number.isInteger(feat.maxChars) ||
    typeof feat.foldDigits !== "boolean" ||
    !Number.isInteger(feat.head) ||
    (feat.colloquial !== undefined && typeof feat.colloquial !== "boolean") ||
    (feat.frames !== undefined && typeof feat.frames !== "boolean") ||
    (feat.lexicon !== undefined && !isLexicon(feat.lexicon))
  )
    fail("bad features");
  if (!Array.isArray(f.labels) || f.labels.length < 2 || !f.labels.every((l) => typeof l === "string"))
    fail("bad labels");
  const L = f.labels.length;
  if (!Array.isArray(f.bias) || f.bias.length !== L || !f.bias.every(Number.isFinite)) fail("bad bias");
  if (typeof f.weightScale !== "number" || !(f.weightScale > 0)) fail("bad weightScale");
  if (typeof f.temperature !== "number" || !(f.temperature > 0)) fail("bad temperature");
  if (typeof f.fullEvidence !== "number" || !(f.fullEvidence > 0)) fail("bad fullEvidence");
  if (
    f.lexiconBoost !== undefined &&
    (typeof f.lexiconBoost !== "number" || !Number.isFinite(f.lexiconBoost) || f.lexiconBoost < 0)
  )
    fail("bad lexiconBoost");
  if (
    f.lexiconBoostChars !== undefined &&
    (typeof f.lexiconBoostChars !== "number" || !(f.lexiconBoostChars > 0))
  )
    fail("bad lexiconBoostChars");
  if (
    f.shrinkPower !== undefined &&
    (typeof f.shrinkPower !== "number" || !Number.isFinite(f.shrinkPower) || !(f.shrinkPower > 0))
  )
    fail("bad shrinkPower");
  if (typeof f.vocab !== "string" || typeof f.idf !== "string" || typeof f.weights !== "string")
    fail("bad vocab/idf/weights");
  const vocab = f.vocab === "" ? [] : f.vocab.split("\n");
  const idfBytes = Buffer.from(f.idf, "base64");
  const weightBytes = Buffer.from(f.weights, "base64");
  if (idfBytes.length !== vocab.length * 2) fail("idf length does not match vocab");
  if (weightBytes.length !== vocab.length * L * 2) fail("weights length does not match vocab × labels");
  const idfView = new DataView(idfBytes.buffer, idfBytes.byteOffset, idfBytes.length);
  const weightView = new DataView(weightBytes.buffer, weightBytes.byteOffset, weightBytes.length);
  const idf = new Float64Array(vocab.length);
  for (let i = 0; i < vocab.length; i++) idf[i] = idfView.getUint16(i * 2, true) / IDF_SCALE;
  const weights = new Float64Array(vocab.length * L);
  for (let j = 0; j < weights.length; j++) weights[j] = weightView.getInt16(j * 2, true) * f.weightScale;
  return {
    features: feat,
    labels: f.labels,
    vocab,
    idf,
    weights,
    bias: Float64Array.from(f.bias),
    temperature: f.temperature,
    fullEvidence: f.fullEvidence,
    ...(f.lexiconBoost ? { lexiconBoost: f.lexiconBoost } : {}),
    ...(f.lexiconBoost && f.lexiconBoostChars ? { lexiconBoostChars: f.lexiconBoostChars } : {}),
    ...(companion
      ? {
          companion,
          companionWeight: f.companionWeight!,
          ...(f.companionChars ? { companionChars: f.companionChars } : {}),
        }
      : {}),
    ...(f.shrinkPower !== undefined && f.shrinkPower !== 1 ? { shrinkPower: f.shrinkPower } : {}),
  };
}

/** Loads a serialised model (see {@link serializeModel}) as a classifier. */
export function loadModel(bytes: string | Uint8Array): Classifier {
  return createModelClassifier(parseModel(bytes));
}
