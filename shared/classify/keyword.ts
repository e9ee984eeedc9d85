import { normalizeText } from "./normalize.js";
import type { Classifier, Suggestion } from "./types.js";

export interface KeywordClassifierOptions {
  /**
   * Pseudo-count of "no keyword" evidence added to the denominator (default 2). With the default, one matched
   * keyword gives confidence 1/3, two keywords of the same label 1/2, three 3/5, so a single keyword never
   * clears a 0.5 threshold on its own.
   */
  smoothing?: number;
}

const IGNORED = /[^\p{L}\p{N}]+/gu;

function compact(text: string): string {
  return normalizeText(text).replace(IGNORED, "");
}

/**
 * Classifier for deployments without a trained model: a label scores one point per distinct keyword of its
 * list found in the text (after normalisation: full-width → ASCII, lower case, common traditional characters
 * → simplified, spaces and punctuation ignored). Confidence = score / (sum of all scores + smoothing), so it
 * is low when few keywords match and the answer is `[]` when none does.
 */
export function createKeywordClassifier(
  lexicon: Record<string, readonly string[]>,
  options: KeywordClassifierOptions = {},
): Classifier {
  const smoothing = Math.max(0, options.smoothing ?? 2);
  const entries = Object.keys(lexicon)
    .sort()
    .map((label) => {
      const words = new Set<string>();
      for (const keyword of lexicon[label] ?? []) {
        const k = typeof keyword === "string" ? compact(keyword) : "";
        if (k) words.add(k);
      }
      return { label, keywords: [...words] };
    })
    .filter((e) => e.keywords.length > 0);

  return {
    suggest(text: string, limit?: number): Suggestion[] {
      const max = limit === undefined ? entries.length : Math.max(0, Math.floor(limit));
      if (typeof text !== "string" || max === 0) return [];
      const haystack = compact(text);
      if (!haystack) return [];
      const scored: { label: string; score: number }[] = [];
      let total = 0;
      for (const { label, keywords } of entries) {
        let score = 0;
        for (const k of keywords) if (haystack.includes(k)) score++;
        if (score > 0) {
          scored.push({ label, score });
          total += score;
        }
      }
      if (total === 0) return [];
      scored.sort((a, b) => b.score - a.score || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
      return scored
        .slice(0, max)
        .map(({ label, score }) => ({ label, confidence: score / (total + smoothing) }));
    },
  };
}
