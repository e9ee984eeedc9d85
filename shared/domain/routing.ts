import type { CityConfig } from "../config/schema.js";
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
