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
 * which it shrinks in proportion. Chosen with `npm run bench:routing -- --tune --seed-cv` on the formal dev split,
 * the colloquial dev set and the seed cross-validation (docs/classifier.md): with the second batch of seed data,
 * 0.5 up to 40 characters beat the earlier 0.4 up to 60 on all three (0.930 / 0.978 / 0.904 against
 * 0.927 / 0.956 / 0.901); 0.6 cost the formal split more, 0.5 up to 30 scored the same.
 */
export const LEXICON_BOOST = 0.5;
export const LEXICON_BOOST_CHARS = 40;

/**
 * Weight of the companion model trained on the residents'-voice examples only ({@link TrainOptions.companion}),
 * and the length above which it shrinks in proportion. Chosen with `npm run bench:routing -- --tune --seed-cv`
 * and the cross-batch check of docs/classifier.md: 0.3 gained 0.012 on the seed cross-validation and 0.011 /
 * 0.013 across the two seed batches (written by different people) for −0.003 on the formal dev split; 0.5
 * gained a little more on seed data and cost the formal split twice as much.
 */
export const COMPANION_WEIGHT = 0.3;
export const COMPANION_CHARS = 40;

/**
 * Above those 40 characters the boost and the companion's share shrink with the square of 40 / length
 * ({@link TrainOptions.shrinkPower}) rather than in proportion. Chosen with `npm run bench:routing -- --tune`
 * (docs/classifier.md, "Issue #11, third round"): the formal dev split 0.926 → 0.931 and its ECE 0.031 → 0.020,
 * the colloquial dev set and its web-form-framed copy (45–70 characters) unchanged; the cube cost the framed
 * copy 2–4 reports.
 */
export const SHRINK_POWER = 2;

/**
 * The training options `npm run train` and `npm run bench:routing` use for a city: colloquial normalisation,
 * the city's keyword lexicon (by model label) as features and as a fixed boost, the class priors as learned, and a
 * companion model on the examples in the residents' voice, both shrinking with the square of the length above 40
 * characters. Each was kept because it helped on the colloquial dev set without costing much on the formal dev
 * split (docs/classifier.md). Uniform priors (every class the same bias) were the recipe until the fourth seed
 * batch; with 1,515 seed messages the learned biases are as good or better on every tuning figure.
 */
export function cityTrainOptions(lexicon: Record<string, string[]> | null, seed?: number): TrainOptions {
  const hasLexicon = lexicon !== null && Object.keys(lexicon).length > 0;
  return {
    features: { colloquial: true, ...(hasLexicon ? { lexicon } : {}) },
    priors: "learned",
    ...(hasLexicon ? { lexiconBoost: LEXICON_BOOST, lexiconBoostChars: LEXICON_BOOST_CHARS } : {}),
    companion: { weight: COMPANION_WEIGHT, chars: COMPANION_CHARS },
    shrinkPower: SHRINK_POWER,
    ...(seed === undefined ? {} : { seed }),
  };
}

/** Rows in the residents' voice, weighted by {@link VOICE_WEIGHT} (an explicit weight is kept). */
export function inResidentsVoice(rows: readonly TrainingRow[]): TrainingRow[] {
  return rows.map((r) => ({ ...r, weight: r.weight ?? VOICE_WEIGHT }));
}
