import type { CityConfig } from "../config/schema.js";
import type { TextClassifier } from "./context.js";

/**
 * The intake's classifier: the trained model named in the configuration when there is one, otherwise the
 * keyword lexicon of the configured categories (labels are then category ids).
 */
export async function buildClassifier(config: CityConfig): Promise<TextClassifier | null> {
  const lexicon: Record<string, string[]> = {};
  for (const c of config.categories) if (c.keywords.length) lexicon[c.id] = c.keywords;
  // Interim lexicon matcher until shared/classify lands; replaced by createKeywordClassifier / loadModelFile.
  if (config.classifier.modelPath) return null;
  return {
    suggest(text: string, limit = 3) {
      const scores: { label: string; hits: number }[] = [];
      for (const [label, words] of Object.entries(lexicon)) {
        const hits = words.filter((w) => text.includes(w)).length;
        if (hits) scores.push({ label, hits });
      }
      const total = scores.reduce((s, x) => s + x.hits, 0);
      return scores
        .sort((a, b) => b.hits - a.hits || (a.label < b.label ? -1 : 1))
        .slice(0, limit)
        .map((s) => ({ label: s.label, confidence: s.hits / (total + 1) }));
    },
  };
}
