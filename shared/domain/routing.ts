import type { CityConfig } from "../config/schema.js";
import { ValidationError } from "./errors.js";
import type { AreaPath } from "./ticket.js";

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

export function createRouter(config: Pick<CityConfig, "routing" | "categories">): Router {
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

/**
 * Checks the area ids a caller gave against the configuration and fills in the levels above the most specific
 * one given: `{street: "beishan"}` becomes `{district: "xihu", street: "beishan"}` when that street id exists
 * in one district only. Unknown ids, ids under another parent and ambiguous ids are refused (ValidationError
 * naming the field), so a report never silently falls back to the city-wide rule.
 */
export function completeArea(config: Pick<CityConfig, "districts">, given: AreaPath | undefined): AreaPath {
  if (!given) return {};
  const area: AreaPath = { ...given };
  const field = (level: keyof AreaPath) => `location.area.${level}`;
  const unknown = (level: keyof AreaPath, id: string) =>
    new ValidationError(`未知${LEVEL_NAMES[level]} ${id} / unknown ${level} id`, field(level));
  type Node = { path: AreaPath };
  // Every node of the tree at each level, with its full path.
  const nodes: Record<keyof AreaPath, Node[]> = { district: [], street: [], community: [], grid: [] };
  for (const d of config.districts) {
    nodes.district.push({ path: { district: d.id } });
    for (const s of d.streets) {
      nodes.street.push({ path: { district: d.id, street: s.id } });
      for (const c of s.communities) {
        nodes.community.push({ path: { district: d.id, street: s.id, community: c.id } });
        for (const g of c.grids) {
          nodes.grid.push({ path: { district: d.id, street: s.id, community: c.id, grid: g } });
        }
      }
    }
  }
  const levels = ["district", "street", "community", "grid"] as const;
  const deepest = [...levels].reverse().find((l) => area[l]);
  if (!deepest) return area;
  const depth = levels.indexOf(deepest);
  // Every level above the deepest one given must be given too, or be implied by it.
  const gaps = levels.slice(0, depth).filter((l) => !area[l]);
  const fits = (n: Node) => levels.slice(0, depth + 1).every((l) => !area[l] || n.path[l] === area[l]);
  const matches = nodes[deepest].filter(fits);
  if (matches.length === 0) {
    // Name the first level that does not exist under what was given above it.
    for (const l of levels.slice(0, depth + 1)) {
      if (!area[l]) continue;
      const prefix = levels.slice(0, levels.indexOf(l) + 1);
      const ok = nodes[l].some((n) => prefix.every((p) => !area[p] || n.path[p] === area[p]));
      if (!ok) throw unknown(l, area[l] as string);
    }
    throw unknown(deepest, area[deepest] as string);
  }
  if (matches.length > 1 && gaps.length) {
    throw new ValidationError(
      `${LEVEL_NAMES[deepest]} ${area[deepest]} 不唯一，请同时给出${LEVEL_NAMES[gaps[0]!]} / ${deepest} id is ambiguous: give the ${gaps[0]} too`,
      field(gaps[0]!),
    );
  }
  return { ...area, ...matches[0]!.path };
}

const LEVEL_NAMES: Record<keyof AreaPath, string> = {
  district: "区",
  street: "街道",
  community: "社区",
  grid: "网格",
};
