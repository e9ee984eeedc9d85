import type { CityConfig, Duration, RoutingRule } from "../config/schema.js";
import type { AreaPath, Urgency } from "../domain/ticket.js";

/** "district/street/community/grid" prefix of an area, as far as it is known. */
export function areaKey(area: AreaPath | undefined): string {
  if (!area?.district) return "";
  const parts = [area.district];
  if (area.street) {
    parts.push(area.street);
    if (area.community) {
      parts.push(area.community);
      if (area.grid) parts.push(area.grid);
    }
  }
  return parts.join("/");
}

export interface Router {
  /**
   * The department for (category, area): the rule whose area is the longest prefix of the ticket's area wins;
   * a rule without area applies city-wide; a category with no rule of its own inherits its parent's rules.
   * null means no confident route: the ticket goes to triage.
   */
  route(categoryId: string | null, area: AreaPath | undefined): string | null;
}

export function createRouter(config: {
  routing: readonly Omit<RoutingRule, "coHandlers">[];
  categories: CityConfig["categories"];
}): Router {
  const byCategory = new Map<string, { area: string; department: string }[]>();
  for (const rule of config.routing) {
    const list = byCategory.get(rule.category) ?? [];
    list.push({ area: rule.area ?? "", department: rule.department });
    byCategory.set(rule.category, list);
  }
  const parent = new Map(config.categories.map((c) => [c.id, c.parent]));

  return {
    route(categoryId, area) {
      const key = areaKey(area);
      let cat: string | undefined = categoryId ?? undefined;
      const seen = new Set<string>();
      while (cat && !seen.has(cat)) {
        seen.add(cat);
        let best: { area: string; department: string } | undefined;
        for (const rule of byCategory.get(cat) ?? []) {
          const applies = rule.area === "" || key === rule.area || key.startsWith(`${rule.area}/`);
          if (applies && (!best || rule.area.length > best.area.length)) best = rule;
        }
        if (best) return best.department;
        cat = parent.get(cat);
      }
      return null;
    },
  };
}

/**
 * Fills in the district / street of an area from names found in the address text ("西湖区北山街道…"),
 * keeping whatever the caller already gave.
 */
export function resolveArea(
  config: Pick<CityConfig, "districts">,
  address: string,
  given?: AreaPath,
): AreaPath {
  const area: AreaPath = { ...given };
  if (!area.district) {
    for (const d of config.districts) {
      if (address.includes(d.name)) {
        area.district = d.id;
        break;
      }
    }
  }
  if (!area.street) {
    // A street named without its district ("北山街道…") still places the report, when the name is unambiguous.
    const matches = config.districts
      .filter((d) => !area.district || d.id === area.district)
      .flatMap((d) =>
        d.streets.filter((s) => address.includes(s.name)).map((s) => ({ district: d.id, street: s.id })),
      );
    const pick = matches.length === 1 ? matches[0] : undefined;
    if (pick) {
      area.district = pick.district;
      area.street = pick.street;
    }
  }
  return area;
}

/** One co-handling department (协办) of a routing decision and its own time limit, if the rule sets one. */
export interface CoHandlerDecision {
  department: string;
  deadline?: Duration;
}

/** Where a ticket goes: the lead department (主办), its co-handlers (协办) and why. */
export interface RoutingDecision {
  lead: string;
  coHandlers: CoHandlerDecision[];
  /** `rule`: the 事项清单; `small-matter`: 小事一格解决, the grid's street office (or its grid workers). */
  basis: "rule" | "small-matter";
  /**
   * 小事一格解决 with `smallMatters.to: "grid-worker"`: the grid cell (full path) whose workers handle it; `lead`
   * is then the street office answerable for that grid.
   */
  grid?: string;
}

type RuleInput = Omit<RoutingRule, "coHandlers"> & { coHandlers?: CoHandlerDecision[] };

export interface DecisionConfig {
  routing: readonly RuleInput[];
  categories: CityConfig["categories"];
  departments?: CityConfig["departments"];
  smallMatters?: CityConfig["smallMatters"];
}

/**
 * The full routing decision for (category, area, urgency): the most specific rule's lead and co-handlers; a
 * small matter (smallMatters.categories, or a sub-category of one) placed in a grid cell and not urgent goes to
 * that grid's street office instead, or (smallMatters.to "grid-worker") to the grid's workers with the street
 * office answerable. null: no rule, triage.
 */
export function createDecider(config: DecisionConfig) {
  const router = createRouter(config);
  const depts = new Set((config.departments ?? []).map((d) => d.id));
  const small = new Set(config.smallMatters?.categories ?? []);
  const parent = new Map(config.categories.map((c) => [c.id, c.parent]));
  const rules = new Map<string, RuleInput[]>();
  for (const r of config.routing) rules.set(r.category, [...(rules.get(r.category) ?? []), r]);
  const isSmall = (categoryId: string) => {
    for (let c: string | undefined = categoryId, n = 0; c && n < 10; c = parent.get(c), n++)
      if (small.has(c)) return true;
    return false;
  };
  /** The winning rule itself (for its co-handlers). */
  const winning = (categoryId: string, area: AreaPath | undefined): RuleInput | undefined => {
    const key = areaKey(area);
    for (let cat: string | undefined = categoryId, n = 0; cat && n < 10; cat = parent.get(cat), n++) {
      let best: RuleInput | undefined;
      for (const rule of rules.get(cat) ?? []) {
        const a = rule.area ?? "";
        const applies = a === "" || key === a || key.startsWith(`${a}/`);
        if (applies && (!best || a.length > (best.area ?? "").length)) best = rule;
      }
      if (best) return best;
    }
    return undefined;
  };
  return {
    decide(categoryId: string | null, area: AreaPath | undefined, urgency?: Urgency): RoutingDecision | null {
      if (!categoryId) return null;
      if (area?.grid && area.street && urgency !== "urgent" && isSmall(categoryId)) {
        const office = `${area.district}-${area.street}`;
        if (depts.has(office)) {
          const grid =
            config.smallMatters?.to === "grid-worker" && area.community
              ? `${area.district}/${area.street}/${area.community}/${area.grid}`
              : undefined;
          return { lead: office, coHandlers: [], basis: "small-matter", ...(grid ? { grid } : {}) };
        }
      }
      const lead = router.route(categoryId, area);
      if (!lead) return null;
      const rule = winning(categoryId, area);
      const coHandlers = (rule?.coHandlers ?? []).filter((h) => h.department !== lead);
      return { lead, coHandlers, basis: "rule" };
    },
  };
}
export type Decider = ReturnType<typeof createDecider>;
