import type { TrainOptions } from "./trainer.js";
import type { TrainingRow } from "./types.js";

/**
 * How much one example in the residents' own voice counts against one formal message: seed data written by the
 * team and tickets whose category a dispatcher set or a closure confirmed (see docs/classifier.md, "Measured
 * numbers": 5 and 20 scored the same on the colloquial set, 1 clearly worse).
 */
export const VOICE_WEIGHT = 5;

/**
 * Fixed weight of each city keyword found in a message ({@link TrainOptions.lexiconBoost}), and the length above
 * which it shrinks in proportion. Chosen on the colloquial dev set and the formal dev split
 * (`npm run bench:routing -- --tune`): 0.4 per keyword up to 60 characters gained 0.065 macro-F1 on the dev
 * set for 0.002 on the formal dev split; 0.6 or more cost the formal split more for no further gain.
 */
export const LEXICON_BOOST = 0.4;
export const LEXICON_BOOST_CHARS = 60;

/**
 * The training options `npm run train` and `npm run bench:routing` use for a city: colloquial normalisation,
 * the city's keyword lexicon (by model label) as features and as a fixed boost, and uniform class priors. Each
 * was kept because it helped on the colloquial dev set without costing much on the formal dev split
 * (docs/classifier.md).
 */
export function cityTrainOptions(lexicon: Record<string, string[]> | null, seed?: number): TrainOptions {
  const hasLexicon = lexicon !== null && Object.keys(lexicon).length > 0;
  return {
    features: { colloquial: true, ...(hasLexicon ? { lexicon } : {}) },
    priors: "uniform",
    ...(hasLexicon ? { lexiconBoost: LEXICON_BOOST, lexiconBoostChars: LEXICON_BOOST_CHARS } : {}),
    ...(seed === undefined ? {} : { seed }),
  };
}

/** Rows in the residents' voice, weighted by {@link VOICE_WEIGHT} (an explicit weight is kept). */
export function inResidentsVoice(rows: readonly TrainingRow[]): TrainingRow[] {
  return rows.map((r) => ({ ...r, weight: r.weight ?? VOICE_WEIGHT }));
}
