import { normalizeText } from "./normalize.js";

/** How text becomes features. Stored in the model file so that inference extracts the same features. */
export interface FeatureConfig {
  /** Shortest character n-gram (over the text with spaces and punctuation removed). */
  ngramMin: number;
  /** Longest character n-gram. */
  ngramMax: number;
  /** Add the words of pre-cut text (words separated by single spaces) as extra features. */
  words: boolean;
  /** Only the first `maxChars` characters of a message are read (bounds the cost of very long text). */
  maxChars: number;
  /** Replace every run of digits by "0" (house numbers and dates carry no category signal). */
  foldDigits: boolean;
  /** N-grams within the first `head` characters (usually the title) are added again with a "^" prefix. */
  head: number;
  /**
   * Colloquial normalisation before n-grams: filler particles dropped (啊 呀 吧 呢 嘛 哦 …), common dialect and
   * chat words mapped to standard ones (咋 → 怎么, 啥 → 什么, 娃 → 孩子, 木有 → 没有). Emoji, repeated
   * punctuation and other symbols are dropped in any case (n-grams see letters and digits only).
   */
  colloquial?: boolean;
  /**
   * Salutation and reporting frames dropped before n-grams: the letter frame of a formal message (尊敬的…领导,
   * 您好, 谢谢, 此致敬礼) and an operator's summary frame (来电人反映, 市民咨询). They occur in every category,
   * in one channel's voice only, so they teach the model the channel rather than the matter.
   */
  frames?: boolean;
  /**
   * Keyword lexicon by label (from the city configuration: the keywords of each category, under the model label
   * its category maps to). Every distinct keyword found adds one occurrence of the feature "#label", so the
   * learner sees the configuration's knowledge as evidence it weighs, not as a rule applied afterwards.
   */
  lexicon?: Record<string, string[]>;
}

export const DEFAULT_FEATURES: FeatureConfig = {
  ngramMin: 1,
  ngramMax: 2,
  words: false,
  maxChars: 800,
  foldDigits: true,
  head: 20,
};

/** Prefix of word features; never produced by character n-grams, which contain only letters and digits. */
export const WORD_PREFIX = "_";
/** Prefix of head (title) features. */
export const HEAD_PREFIX = "^";
/** Prefix of lexicon features ("#" + label). */
export const LEXICON_PREFIX = "#";

// Chat particles and fillers that carry no topic (only as single characters; 了 and 的 stay, they are part
// of too many content words).
const FILLERS = /[啊呀吧呢嘛哦噢哈啦咯呗哇嘞滴捏]+/gu;
// Dialect and chat spellings → standard words. Applied before fillers are dropped.
const DIALECT: readonly [RegExp, string][] = [
  [/木有|莫得|冇得|没得/gu, "没有"],
  [/咋个|咋样|咋/gu, "怎么"],
  [/啥子|啥/gu, "什么"],
  [/娃儿|娃娃|娃子|娃/gu, "孩子"],
  [/俺们|俺/gu, "我"],
  [/整不明白|搞不懂/gu, "不懂"],
  [/贼拉|老鼻子/gu, "很"],
  [/醉了|服了|无语/gu, ""],
];

// Frames: addressing, thanks and the operator's "the caller reports" (longest alternatives first).
const FRAMES =
  /尊敬的[\p{Script=Han}]{0,8}?(领导|书记|市长|县长|区长|局长|主任|同志)|各位领导|领导们?|您们?好|你们?好|此致|敬礼|非常感谢|谢谢|感谢|来电人|来电|市民|网友|反映|咨询|投诉/gu;

/** The frame removal of {@link FeatureConfig.frames} (input already normalised). */
export function stripFrames(text: string): string {
  return text.replace(FRAMES, " ");
}

/** The colloquial normalisation of {@link FeatureConfig.colloquial} (input already normalised). */
export function normalizeColloquial(text: string): string {
  let out = text;
  for (const [pattern, standard] of DIALECT) out = out.replace(pattern, standard);
  return out.replace(FILLERS, "");
}

/** Compiled lexicon of a feature configuration: per label, its distinct normalised keywords. */
const compiledLexicons = new WeakMap<Record<string, string[]>, { feature: string; keywords: string[] }[]>();
function compiledLexicon(lexicon: Record<string, string[]>): { feature: string; keywords: string[] }[] {
  let compiled = compiledLexicons.get(lexicon);
  if (!compiled) {
    compiled = Object.keys(lexicon)
      .sort()
      .map((label) => ({
        feature: LEXICON_PREFIX + label,
        keywords: [
          ...new Set(
            (lexicon[label] ?? []).map((k) => normalizeText(k).replace(NON_WORD, "")).filter(Boolean),
          ),
        ],
      }));
    compiledLexicons.set(lexicon, compiled);
  }
  return compiled;
}

const NON_WORD = /[^\p{L}\p{N}]+/gu;
const DIGITS = /\p{Nd}+/gu;
const CJK = /\p{Script=Han}/u;

/**
 * True when the text looks already cut into words: Chinese words separated by single spaces, as in
 * "小区 门口 污水井 冒水". Raw Chinese text has few spaces between Han characters.
 */
export function isPreTokenized(text: string): boolean {
  let gaps = 0;
  let han = 0;
  const sample = text.length > 2000 ? text.slice(0, 2000) : text;
  const chars = Array.from(sample);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (CJK.test(ch)) han++;
    else if (
      ch === " " &&
      i > 0 &&
      i + 1 < chars.length &&
      CJK.test(chars[i - 1]!) &&
      CJK.test(chars[i + 1]!)
    )
      gaps++;
  }
  // Cut Chinese averages about one word boundary every two Han characters.
  return han >= 4 && gaps * 5 >= han;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Calls `emit` once per feature occurrence of one text. Character n-grams are taken over the normalised text
 * with everything but letters and digits removed, so raw and pre-cut text give comparable n-grams.
 * `extraWords` lets a caller supply its own word segmentation (used for experiments with a tokenizer).
 */
export function forEachFeature(
  text: string,
  config: FeatureConfig,
  emit: (feature: string) => void,
  extraWords?: (normalized: string) => string[],
): void {
  if (typeof text !== "string" || !text) return;
  // Read a little more than maxChars: punctuation and spaces are dropped below.
  let normalized = normalizeText(
    text.length > config.maxChars * 2 ? text.slice(0, config.maxChars * 2) : text,
  );
  if (config.colloquial) normalized = normalizeColloquial(normalized);
  if (config.frames) normalized = stripFrames(normalized);
  if (config.foldDigits) normalized = normalized.replace(DIGITS, "0");
  const compact = normalized.replace(NON_WORD, "");
  if (config.lexicon) {
    const head = compact.length > config.maxChars ? compact.slice(0, config.maxChars) : compact;
    for (const { feature, keywords } of compiledLexicon(config.lexicon)) {
      for (const k of keywords) if (head.includes(k)) emit(feature);
    }
  }
  // Characters as strings; plain indexing is enough unless the text has characters outside the BMP.
  if (SURROGATE.test(compact)) {
    const chars = Array.from(compact);
    const n = Math.min(chars.length, config.maxChars);
    for (let size = config.ngramMin; size <= config.ngramMax; size++) {
      for (let i = 0; i + size <= n; i++) {
        const gram = chars.slice(i, i + size).join("");
        emit(gram);
        if (i + size <= config.head) emit(HEAD_PREFIX + gram);
      }
    }
  } else {
    // Fast path: every character is one UTF-16 code unit.
    const n = Math.min(compact.length, config.maxChars);
    for (let size = config.ngramMin; size <= config.ngramMax; size++) {
      for (let i = 0; i + size <= n; i++) {
        const gram = compact.slice(i, i + size);
        emit(gram);
        if (i + size <= config.head) emit(HEAD_PREFIX + gram);
      }
    }
  }
  if (config.words || extraWords) {
    let words: string[] = [];
    if (extraWords) words = extraWords(normalized);
    else if (isPreTokenized(normalized)) words = normalized.split(/\s+/);
    let seen = 0;
    for (const raw of words) {
      const word = raw.replace(NON_WORD, "");
      if (!word) continue;
      if (++seen > config.maxChars) break;
      emit(WORD_PREFIX + word);
    }
  }
}

/** Feature strings of one text with their counts (see {@link forEachFeature}). */
export function extractFeatures(
  text: string,
  config: FeatureConfig,
  extraWords?: (normalized: string) => string[],
): Map<string, number> {
  const counts = new Map<string, number>();
  forEachFeature(text, config, (f) => counts.set(f, (counts.get(f) ?? 0) + 1), extraWords);
  return counts;
}

/** A sparse feature vector: parallel arrays of vocabulary indices and values. */
export interface SparseVector {
  index: Int32Array;
  value: Float64Array;
}

/**
 * Sub-linear tf × idf, L2-normalised, over the features known to `lookup` (others are dropped).
 * Entries follow the iteration order of `counts`, which is deterministic.
 */
export function vectorize(
  counts: ReadonlyMap<string, number>,
  lookup: ReadonlyMap<string, number>,
  idf: ArrayLike<number>,
): SparseVector {
  const index = new Int32Array(counts.size);
  const value = new Float64Array(counts.size);
  let n = 0;
  let norm = 0;
  for (const [feature, count] of counts) {
    const i = lookup.get(feature);
    if (i === undefined) continue;
    const v = (1 + Math.log(count)) * idf[i]!;
    index[n] = i;
    value[n] = v;
    norm += v * v;
    n++;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let k = 0; k < n; k++) value[k] = value[k]! * scale;
  return { index: index.subarray(0, n), value: value.subarray(0, n) };
}
