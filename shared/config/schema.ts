import * as z from "zod";
import { Urgency } from "../domain/ticket.js";
import { SYSTEM_TARGETS } from "../ports.js";

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be lower-case letters, digits and '-' (max 40)");

const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];

export const Duration = z.union([
  z.object({ hours: z.number().positive() }).strict(),
  z.object({ workingDays: z.number().int().positive() }).strict(),
]);
export type Duration = z.infer<typeof Duration>;

/** 签收时限 by urgency when the configuration gives none. */
const DEFAULT_ACCEPT = {
  urgent: { hours: 1 },
  high: { hours: 4 },
  normal: { workingDays: 1 },
  low: { workingDays: 2 },
} as const;

/** One year's official calendar, as the State Council publishes it. */
export const CalendarYear = z
  .object({
    year: z.number().int().min(2000).max(2100),
    holidays: z.array(z.iso.date()),
    makeupWorkdays: z.array(z.iso.date()).default([]),
  })
  .strict();

export const Department = z
  .object({
    id,
    name: z.string().min(1),
    kind: z.enum(["bureau", "street-office", "centre"]).default("bureau"),
    district: id.optional(),
  })
  .strict();
export type Department = z.infer<typeof Department>;

/** 专属网格: a dedicated grid (a market, a school, an industrial park) overlaying the community's basic cells. */
export const DedicatedGrid = z
  .object({
    id,
    name: z.string().min(1),
    type: z.enum(["market", "school", "industrial-park", "hospital", "scenic-area", "other"]),
  })
  .strict();
export type DedicatedGrid = z.infer<typeof DedicatedGrid>;

export const Community = z
  .object({
    id,
    name: z.string().min(1),
    grids: z.array(id).default([]),
    /** Well-known place names inside the community (roads 路, estates 小区/苑, landmarks) for address matching. */
    places: z.array(z.string().min(2)).default([]),
    dedicatedGrids: z.array(DedicatedGrid).default([]),
  })
  .strict();
export const Street = z
  .object({ id, name: z.string().min(1), communities: z.array(Community).default([]) })
  .strict();
export const District = z
  .object({ id, name: z.string().min(1), streets: z.array(Street).default([]) })
  .strict();
export type District = z.infer<typeof District>;

/** An Open311 service attribute: one extra question a report of this category answers. */
export const CategoryAttribute = z
  .object({
    code: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, "letters, digits, '_' and '-' (max 40)"),
    description: z.string().min(1),
    datatype: z.enum(["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]),
    required: z.boolean().default(false),
    datatypeDescription: z.string().optional(),
    values: z.array(z.object({ key: z.string().min(1), name: z.string().min(1) }).strict()).optional(),
  })
  .strict();
export type CategoryAttribute = z.infer<typeof CategoryAttribute>;

export const Category = z
  .object({
    id,
    name: z.string().min(1),
    kind: z.enum(["component", "event"]),
    parent: id.optional(),
    keywords: z.array(z.string().min(1)).default([]),
    /** 办结时限 for this category (and its children); the earlier of this and the urgency's applies. */
    deadline: Duration.optional(),
    /** 签收时限 for this category (and its children); the earlier of this and the urgency's applies. */
    acceptDeadline: Duration.optional(),
    /** 核查: who verifies a resolved ticket of this category (and its children); default the dispatcher. */
    verification: z.enum(["dispatcher", "reporter", "both"]).optional(),
    /** Extra questions for this category (Open311 service definition attributes). */
    attributes: z.array(CategoryAttribute).optional(),
  })
  .strict();
export type Category = z.infer<typeof Category>;

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
const Ring = z.array(Position).min(4, "a polygon ring needs at least 4 positions");
/** One grid cell's polygon (GeoJSON Feature, RFC 7946) with its place in the area tree. */
export const GridFeature = z.object({
  type: z.literal("Feature"),
  properties: z.object({
    district: id,
    street: id,
    community: id,
    grid: id,
    kind: z.enum(["basic", "dedicated"]).default("basic"),
    name: z.string().optional(),
  }),
  geometry: z.discriminatedUnion("type", [
    z.object({ type: z.literal("Polygon"), coordinates: z.array(Ring).min(1) }),
    z.object({ type: z.literal("MultiPolygon"), coordinates: z.array(z.array(Ring).min(1)).min(1) }),
  ]),
});
export type GridFeature = z.infer<typeof GridFeature>;
export const GridCollection = z.object({
  type: z.literal("FeatureCollection"),
  features: z.array(GridFeature),
});
export type GridCollection = z.infer<typeof GridCollection>;

/** 协办: a co-handling department of a rule, with its own resolve deadline (default: the ticket's). */
export const CoHandlerRule = z.object({ department: id, deadline: Duration.optional() }).strict();

/** 派单规则: (category, area) → department. `area` is a path prefix "district[/street[/community[/grid]]]". */
export const RoutingRule = z
  .object({
    category: id,
    area: z
      .string()
      .regex(/^[a-z0-9-]+(\/[a-z0-9-]+){0,3}$/, "must be district[/street[/community[/grid]]]")
      .optional(),
    department: id,
    /** 协办单位: departments that handle the ticket alongside the lead (主办) and must each report. */
    coHandlers: z.array(CoHandlerRule).optional(),
  })
  .strict();
export type RoutingRule = z.infer<typeof RoutingRule>;

export const CityConfig = z
  .object({
    city: z
      .object({ id, name: z.string().min(1), timezoneOffsetMinutes: z.number().int().default(480) })
      .strict(),
    /**
     * The grid polygons: `gridsFile` names a GeoJSON FeatureCollection next to the configuration file; the loader
     * (load.ts) reads it into `grids`. Without polygons, points are not resolved (addresses still are).
     */
    geo: z
      .object({ gridsFile: z.string().min(1).optional(), grids: GridCollection.optional() })
      .strict()
      .optional(),
    departments: z.array(Department).min(1),
    districts: z.array(District).default([]),
    categories: z.array(Category).min(1),
    routing: z.array(RoutingRule).default([]),
    deadlines: z
      .object({
        /** 办结时限 by urgency. */
        byUrgency: z.record(Urgency, Duration),
        /** 签收时限 by urgency. */
        acceptByUrgency: z.record(Urgency, Duration).default(DEFAULT_ACCEPT),
        /** Supervision warns the department at this fraction of a deadline (预警). */
        warnAtFraction: z.number().gt(0).lt(1).default(0.8),
        /** A deadline passed this many hours ago escalates to the centre (升级). */
        escalateAfterHours: z
          .number()
          .positive()
          .max(24 * 365)
          .default(24),
      })
      .strict(),
    calendar: z
      .object({
        /** Use the official State Council calendar of the npm package chinese-days (default true). */
        official: z.boolean().default(true),
        /** A year's official calendar published after the package (the State Council publishes late in the year). */
        years: z.array(CalendarYear).default([]),
        /** The city's own closures (e.g. a typhoon day): no working day, whatever the official calendar says. */
        closures: z
          .array(z.object({ date: z.iso.date(), name: z.string().min(1).max(100) }).strict())
          .default([]),
        /** Extra rest days and working days on top of the above. */
        holidays: z.array(z.iso.date()).default([]),
        makeupWorkdays: z.array(z.iso.date()).default([]),
      })
      .strict()
      .default({ official: true, years: [], closures: [], holidays: [], makeupWorkdays: [] }),
    /** 回访: the satisfaction callback after closure. */
    callbacks: z
      .object({
        /** A callback not answered within this many days of closure closes unrated. */
        windowDays: z.number().int().min(1).max(90).default(7),
        /** A hotline callback closes unrated after this many unreachable attempts. */
        maxAttempts: z.number().int().min(1).max(10).default(3),
        /** Ratings at or below this reopen the ticket (重办). */
        reopenAtOrBelow: z.number().int().min(0).max(5).default(2),
      })
      .strict()
      .default({ windowDays: 7, maxAttempts: 3, reopenAtOrBelow: 2 }),
    classifier: z
      .object({
        /** Below this confidence the intake sends the ticket to triage instead of guessing. */
        threshold: z.number().min(0).max(1).default(0.5),
        /** Optional trained model file (see docs/classifier.md); without it the keyword lexicon is used. */
        modelPath: z.string().optional(),
        /** Maps a trained model's labels to categories. */
        labels: z.record(z.string(), id).default({}),
      })
      .strict()
      .default({ threshold: 0.5, labels: {} }),
    lifecycle: z
      .object({
        /** 重办: an operator or dispatcher may reopen a closed ticket within this many days of its closure. */
        reopenWindowDays: z.number().int().min(0).max(3650).default(30),
      })
      .strict()
      .default({ reopenWindowDays: 30 }),
    /** Limits of the public routes (web form, status page, Open311 reads): per client IP and fixed window. */
    publicAccess: z
      .object({
        windowSeconds: z.number().int().min(1).max(86400).default(600),
        reportsPerWindow: z.number().int().min(1).default(10),
        lookupsPerWindow: z.number().int().min(1).default(60),
        uploadsPerWindow: z.number().int().min(1).default(30),
        photoMaxBytes: z
          .number()
          .int()
          .min(1)
          .max(50 * 1024 * 1024)
          .default(5 * 1024 * 1024),
        photoTypes: z
          .array(z.string().regex(/^image\/[a-z0-9.+-]+$/))
          .min(1)
          .default(PHOTO_TYPES),
        maxPhotos: z.number().int().min(0).max(20).default(3),
      })
      .strict()
      .default({
        windowSeconds: 600,
        reportsPerWindow: 10,
        lookupsPerWindow: 60,
        uploadsPerWindow: 30,
        photoMaxBytes: 5 * 1024 * 1024,
        photoTypes: PHOTO_TYPES,
        maxPhotos: 3,
      }),
    /**
     * 小事一格解决: these categories, when the report is placed in a grid cell and is not urgent, go to that grid's
     * street office (`<district>-<street>`, `to: "street-office"`) or to the grid workers bound to that grid cell
     * (`to: "grid-worker"`: their work list GET /v1/grids/mine/inbox, the street office accountable) instead of
     * the bureau the rules name.
     */
    smallMatters: z
      .object({
        categories: z.array(id).default([]),
        to: z.enum(["street-office", "grid-worker"]).default("street-office"),
        /**
         * With `to: "grid-worker"`: a small matter no worker of the grid has accepted (签收) by its accept deadline
         * goes up to the grid's street office by itself at the sweep (a grid cell without a worker, a worker on
         * leave), with fresh deadlines, instead of waiting for the escalation to the centre.
         */
        handUpWhenNotAccepted: z.boolean().default(true),
      })
      .strict()
      .default({ categories: [], to: "street-office", handUpWhenNotAccepted: true }),
    /** 退单: when a ticket escalates to joint handling, and whether a `not_ours` return goes straight on. */
    returns: z
      .object({
        /** Returned this many times → escalated to joint handling (联合处置). */
        escalateAfter: z.number().int().min(1).max(20).default(2),
        /** A `not_ours` return naming a department is dispatched straight there, once per ticket. */
        forwardNotOurs: z.boolean().default(false),
      })
      .strict()
      .default({ escalateAfter: 2, forwardNotOurs: false }),
    /** 重复工单: how alike two open reports must be to be merged automatically or flagged for the dispatcher. */
    dedup: z
      .object({
        enabled: z.boolean().default(true),
        /** Text similarity (estimated Jaccard of character shingles) at or above which a repeat is merged. */
        autoMergeScore: z.number().min(0).max(1).default(0.8),
        /** At or above this (and below autoMergeScore) the ticket is flagged for the dispatcher. */
        flagScore: z.number().min(0).max(1).default(0.5),
        /** Only open tickets filed within this many days are candidates. */
        windowDays: z.number().int().min(1).max(365).default(30),
        /** Two reports with points farther apart than this are not the same problem. */
        distanceMeters: z.number().positive().default(500),
      })
      .strict()
      .default({ enabled: true, autoMergeScore: 0.8, flagScore: 0.5, windowDays: 30, distanceMeters: 500 }),
    queues: z
      .object({
        visibilityTimeoutSeconds: z.number().int().min(0).max(43200).default(300),
        maxReceiveCount: z.number().int().min(1).max(1000).default(5),
        retentionDays: z.number().int().min(1).max(14).default(14),
        /** Dead-letter redrives of one dispatch before the sweeper sends the ticket to triage instead. */
        maxRedrives: z.number().int().min(1).max(100).default(3),
      })
      .strict()
      .default({ visibilityTimeoutSeconds: 300, maxReceiveCount: 5, retentionDays: 14, maxRedrives: 3 }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const depts = new Set(cfg.departments.map((d) => d.id));
    const cats = new Set(cfg.categories.map((c) => c.id));
    const areas = new Set<string>();
    for (const d of cfg.districts) {
      areas.add(d.id);
      for (const s of d.streets) {
        areas.add(`${d.id}/${s.id}`);
        for (const c of s.communities) {
          areas.add(`${d.id}/${s.id}/${c.id}`);
          for (const g of c.grids) areas.add(`${d.id}/${s.id}/${c.id}/${g}`);
          for (const g of c.dedicatedGrids) areas.add(`${d.id}/${s.id}/${c.id}/${g.id}`);
        }
      }
    }
    checkTree(cfg, ctx);
    checkGeo(cfg, ctx);
    const dup = (list: { id: string }[], key: string) => {
      const seen = new Set<string>();
      list.forEach((item, i) => {
        if (seen.has(item.id))
          ctx.addIssue({ code: "custom", path: [key, i, "id"], message: `duplicate id ${item.id}` });
        seen.add(item.id);
      });
    };
    dup(cfg.departments, "departments");
    dup(cfg.categories, "categories");
    dup(cfg.districts, "districts");
    cfg.categories.forEach((c, i) => {
      if (c.parent && !cats.has(c.parent))
        ctx.addIssue({
          code: "custom",
          path: ["categories", i, "parent"],
          message: `unknown category ${c.parent}`,
        });
    });
    const parentOf = new Map(cfg.categories.map((c) => [c.id, c.parent]));
    cfg.categories.forEach((c, i) => {
      const seen = new Set([c.id]);
      for (let p = c.parent; p; p = parentOf.get(p)) {
        if (seen.has(p)) {
          ctx.addIssue({
            code: "custom",
            path: ["categories", i, "parent"],
            message: `parent cycle through ${p}`,
          });
          break;
        }
        seen.add(p);
      }
    });
    const districts = new Set(cfg.districts.map((d) => d.id));
    cfg.departments.forEach((d, i) => {
      if (d.district && !districts.has(d.district))
        ctx.addIssue({
          code: "custom",
          path: ["departments", i, "district"],
          message: `unknown district ${d.district}`,
        });
      if ((SYSTEM_TARGETS as readonly string[]).includes(d.id))
        ctx.addIssue({
          code: "custom",
          path: ["departments", i, "id"],
          message: `'${d.id}' is reserved for the ${d.id} queue`,
        });
      if (d.id.endsWith("-dlq"))
        ctx.addIssue({
          code: "custom",
          path: ["departments", i, "id"],
          message: "must not end in '-dlq' (its queue name would collide with a dead-letter queue)",
        });
    });
    cfg.routing.forEach((r, i) => {
      if (!cats.has(r.category))
        ctx.addIssue({
          code: "custom",
          path: ["routing", i, "category"],
          message: `unknown category ${r.category}`,
        });
      if (!depts.has(r.department))
        ctx.addIssue({
          code: "custom",
          path: ["routing", i, "department"],
          message: `unknown department ${r.department}`,
        });
      if (r.area && !areas.has(r.area))
        ctx.addIssue({ code: "custom", path: ["routing", i, "area"], message: `unknown area ${r.area}` });
      (r.coHandlers ?? []).forEach((h, j) => {
        if (!depts.has(h.department) || h.department === r.department)
          ctx.addIssue({
            code: "custom",
            path: ["routing", i, "coHandlers", j, "department"],
            message: depts.has(h.department)
              ? "the lead department cannot also co-handle"
              : `unknown department ${h.department}`,
          });
      });
    });
    cfg.smallMatters.categories.forEach((c, i) => {
      if (!cats.has(c))
        ctx.addIssue({
          code: "custom",
          path: ["smallMatters", "categories", i],
          message: `unknown category ${c}`,
        });
    });
    if (cfg.smallMatters.categories.length) {
      for (const d of cfg.districts)
        for (const s of d.streets)
          if (!depts.has(`${d.id}-${s.id}`))
            ctx.addIssue({
              code: "custom",
              path: ["smallMatters", "categories"],
              message: `small matters go to street offices, but there is no department ${d.id}-${s.id}`,
            });
    }
    if (cfg.dedup.flagScore > cfg.dedup.autoMergeScore)
      ctx.addIssue({
        code: "custom",
        path: ["dedup", "flagScore"],
        message: "must not exceed autoMergeScore",
      });
    for (const [label, cat] of Object.entries(cfg.classifier.labels)) {
      if (!cats.has(cat))
        ctx.addIssue({
          code: "custom",
          path: ["classifier", "labels", label],
          message: `unknown category ${cat}`,
        });
    }
  });
export type CityConfig = z.infer<typeof CityConfig>;

type Ctx = { addIssue(issue: { code: "custom"; path: PropertyKey[]; message: string }): void };
type Tree = Pick<CityConfig, "districts" | "geo">;

/** Ids are unique among siblings; basic and dedicated grid ids of a community do not collide. */
function checkTree(cfg: Tree, ctx: Ctx): void {
  const places = new Map<string, string>();
  cfg.districts.forEach((d, di) => {
    d.streets.forEach((s, si) => {
      const seen = new Set<string>();
      s.communities.forEach((c, ci) => {
        const at = ["districts", di, "streets", si, "communities", ci];
        if (seen.has(c.id))
          ctx.addIssue({ code: "custom", path: [...at, "id"], message: `duplicate id ${c.id}` });
        seen.add(c.id);
        const grids = new Set<string>();
        [...c.grids, ...c.dedicatedGrids.map((g) => g.id)].forEach((g) => {
          if (grids.has(g))
            ctx.addIssue({ code: "custom", path: [...at, "grids"], message: `duplicate grid ${g}` });
          grids.add(g);
        });
        c.places.forEach((p, pi) => {
          const other = places.get(p);
          if (other)
            ctx.addIssue({
              code: "custom",
              path: [...at, "places", pi],
              message: `place name ${p} is already used by ${other}`,
            });
          places.set(p, `${d.id}/${s.id}/${c.id}`);
        });
      });
    });
  });
}

/** With polygons: every grid cell of the tree has exactly one, and every polygon names a grid cell of the tree. */
function checkGeo(cfg: Tree, ctx: Ctx): void {
  const grids = cfg.geo?.grids;
  if (!grids) return;
  const expected = new Map<string, "basic" | "dedicated">();
  for (const d of cfg.districts)
    for (const s of d.streets)
      for (const c of s.communities) {
        for (const g of c.grids) expected.set(`${d.id}/${s.id}/${c.id}/${g}`, "basic");
        for (const g of c.dedicatedGrids) expected.set(`${d.id}/${s.id}/${c.id}/${g.id}`, "dedicated");
      }
  const seen = new Set<string>();
  grids.features.forEach((f, i) => {
    const p = f.properties;
    const path = `${p.district}/${p.street}/${p.community}/${p.grid}`;
    const at = ["geo", "grids", "features", i, "properties"];
    const kind = expected.get(path);
    if (!kind) ctx.addIssue({ code: "custom", path: at, message: `no grid ${path} in the area tree` });
    else if (kind !== p.kind)
      ctx.addIssue({
        code: "custom",
        path: [...at, "kind"],
        message: `${path} is a ${kind} grid in the area tree`,
      });
    if (seen.has(path)) ctx.addIssue({ code: "custom", path: at, message: `second polygon for ${path}` });
    seen.add(path);
  });
  for (const path of expected.keys())
    if (!seen.has(path))
      ctx.addIssue({ code: "custom", path: ["geo", "grids"], message: `grid ${path} has no polygon` });
}
