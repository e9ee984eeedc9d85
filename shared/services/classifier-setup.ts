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

/**
 * The keyword lexicon of the configured categories, by model label: each category's keywords go under the
 * label (`classifier.labels`) that maps to it or to its nearest ancestor. Used as features when training
 * (FeatureConfig.lexicon), so that the model weighs the city's keywords itself.
 */
export function modelLexicon(config: CityConfig): Record<string, string[]> {
  const labelOf = new Map<string, string>();
  for (const [label, categoryId] of Object.entries(config.classifier.labels)) {
    if (!labelOf.has(categoryId)) labelOf.set(categoryId, label);
  }
  const parent = new Map(config.categories.map((c) => [c.id, c.parent]));
  const lexicon: Record<string, string[]> = {};
  for (const category of config.categories) {
    let label: string | undefined;
    for (
      let id: string | undefined = category.id, depth = 0;
      id && depth < 10;
      id = parent.get(id), depth++
    ) {
      label = labelOf.get(id);
      if (label) break;
    }
    if (!label || category.keywords.length === 0) continue;
    lexicon[label] = [...new Set([...(lexicon[label] ?? []), ...category.keywords])].sort();
  }
  return lexicon;
}

/**
 * Maps a category id to the model label of the category or its nearest ancestor (`classifier.labels`); with no
 * labels configured (a model trained on category ids) the top-level category id itself. Null for an unknown
 * category or one no label covers.
 */
export function modelLabelOf(config: CityConfig): (categoryId: string) => string | null {
  const labelOf = new Map<string, string>();
  for (const [label, categoryId] of Object.entries(config.classifier.labels)) {
    if (!labelOf.has(categoryId)) labelOf.set(categoryId, label);
  }
  const parent = new Map(config.categories.map((c) => [c.id, c.parent]));
  return (categoryId) => {
    if (!parent.has(categoryId)) return null;
    let top = categoryId;
    for (let id: string | undefined = categoryId, depth = 0; id && depth < 10; id = parent.get(id), depth++) {
      const label = labelOf.get(id);
      if (label) return label;
      top = id;
    }
    return labelOf.size === 0 ? top : null;
  };
}
