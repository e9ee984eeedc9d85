import { createKeywordClassifier } from "../classify/keyword.js";
import type { Classifier } from "../classify/types.js";
import type { CityConfig } from "../config/schema.js";
import type { CategorySuggester } from "./context.js";

/**
 * The intake's category suggester.
 * - With a trained model (`classifier.modelPath`): the model's best label, mapped to a category through
 *   `classifier.labels`; when the keyword lexicon points at a sub-category of that category, the sub-category is
 *   taken (the model knows the topic, the lexicon the facility), with the model's confidence.
 * - Without one: the keyword lexicon of the configured categories (labels are category ids).
 */
export function createCategorySuggester(
  config: CityConfig,
  model: Classifier | (() => Classifier) | null,
): CategorySuggester {
  // A model given as a loader is read on the first suggestion: functions that never classify never pay for it.
  let loaded: Classifier | null = typeof model === "function" ? null : model;
  const getModel = () => {
    if (!loaded && typeof model === "function") loaded = model();
    return loaded;
  };
  const lexicon: Record<string, string[]> = {};
  for (const c of config.categories) if (c.keywords.length) lexicon[c.id] = c.keywords;
  const keywords = createKeywordClassifier(lexicon);
  const parent = new Map(config.categories.map((c) => [c.id, c.parent]));
  const categories = new Set(config.categories.map((c) => c.id));
  const descendsFrom = (id: string, ancestor: string) => {
    for (let p = parent.get(id), depth = 0; p && depth < 10; p = parent.get(p), depth++)
      if (p === ancestor) return true;
    return false;
  };

  return {
    suggest(text) {
      const m = getModel();
      if (!m) {
        const best = keywords.suggest(text, 1)[0];
        return best ? { label: best.label, confidence: best.confidence, categoryId: best.label } : null;
      }
      const best = m.suggest(text, 1)[0];
      if (!best) return null;
      const labels = config.classifier.labels;
      const mapped = Object.hasOwn(labels, best.label)
        ? (labels[best.label] ?? null)
        : categories.has(best.label)
          ? best.label
          : null;
      if (!mapped) return { label: best.label, confidence: best.confidence, categoryId: null };
      const finer = keywords.suggest(text, 3).find((s) => descendsFrom(s.label, mapped));
      return { label: best.label, confidence: best.confidence, categoryId: finer?.label ?? mapped };
    },
  };
}
