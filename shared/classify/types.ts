/** One ranked category suggestion. */
export interface Suggestion {
  /** Category label, exactly as it appears in the training data or lexicon. */
  label: string;
  /** Confidence in [0, 1]. The confidences of one answer sum to at most 1. */
  confidence: number;
}

/** Suggests categories for free text. Pure and synchronous. */
export interface Classifier {
  /**
   * Ranked suggestions, best first. Returns `[]` when the text carries no usable signal
   * (empty text, only punctuation/emoji, or nothing the classifier knows).
   * @param limit maximum number of suggestions (default: all labels).
   */
  suggest(text: string, limit?: number): Suggestion[];
}

/** One labelled message. `text` is raw, or already cut into words separated by single spaces. */
export interface TrainingRow {
  text: string;
  label: string;
  /**
   * How much this example counts in training (default 1): a seed or dispatcher-corrected example written in the
   * residents' own voice can count for more than one of thousands of formal messages.
   */
  weight?: number;
}
