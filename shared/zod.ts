/**
 * Every schema on a function's start-up path is written with `zod/mini` (the same zod 4 package, the same
 * `z.infer` types, `.parse`/`.safeParse` still methods), whose schemas carry no chained methods
 * (`z.optional(s)`, `s.check(z.minLength(1))`), so that building them at import costs a fraction of zod
 * classic's (docs/deploy.md, "What a cold start costs"). Each such module imports `zod/mini` itself (a
 * re-exported namespace would defeat tree-shaking: every locale and check in each bundle) and this module for its
 * effect: zod/mini sets no locale, so the English messages zod classic gave — the reason in the API's
 * `field … is invalid: <reason>` errors — are set here, once, before anything parses.
 *
 * Each top-level schema is built in an immediately called arrow function marked pure,
 * `export const X = /* @__PURE__ *\/ (() => z.object({…}))();`, so that a bundle which never uses `X` leaves it
 * out instead of building it at every cold start (`Ticket`, for one, is only ever a type). A plain
 * `z.object({…})` cannot be dropped: esbuild does not carry zod's `@__NO_SIDE_EFFECTS__` across modules, and a
 * field such as `z.string().check(…)` or `text(200)` is a call it must assume has effects. The schema is built
 * exactly as before wherever it is used; types are unaffected (`z.infer<typeof X>`).
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());
