import { describe, expect, it } from "vitest";
import cityJson from "../../../shared/config/city.json" with { type: "json" };
import { parseCityConfig } from "../../../shared/config/load.js";
import type { CityConfig } from "../../../shared/config/schema.js";
import type { AreaPath } from "../../../shared/domain/ticket.js";
import { areaKey, createRouter, resolveArea } from "../../../shared/routing/router.js";

type RouterConfig = Pick<CityConfig, "routing" | "categories">;

const category = (id: string, parent?: string): CityConfig["categories"][number] => ({
  id,
  name: id,
  kind: "event",
  keywords: [],
  ...(parent ? { parent } : {}),
});

/** A small town: "roads" with children "potholes" and "lamps"; "noise" without any rule. */
const TOWN: RouterConfig = {
  categories: [
    category("roads"),
    category("potholes", "roads"),
    category("lamps", "roads"),
    category("noise"),
    category("barking", "noise"),
  ],
  routing: [
    // deliberately listed from most to least specific, so order in the file cannot be what decides
    { category: "potholes", area: "north/elm/c1", department: "c1-committee" },
    { category: "potholes", area: "north/elm", department: "elm-street-office" },
    { category: "potholes", area: "north", department: "north-works" },
    { category: "potholes", department: "city-roads" },
    { category: "lamps", area: "south", department: "south-lighting" },
    { category: "roads", department: "roads-bureau" },
  ],
};

const area = (district?: string, street?: string, community?: string, grid?: string): AreaPath => ({
  ...(district ? { district } : {}),
  ...(street ? { street } : {}),
  ...(community ? { community } : {}),
  ...(grid ? { grid } : {}),
});

describe("createRouter: most specific area wins", () => {
  const router = createRouter(TOWN);

  it("a city-wide rule applies where nothing more specific does", () => {
    expect(router.route("potholes", undefined)).toBe("city-roads");
    expect(router.route("potholes", area("west"))).toBe("city-roads");
  });

  it("a district rule beats the city-wide one", () => {
    expect(router.route("potholes", area("north"))).toBe("north-works");
    expect(router.route("potholes", area("north", "oak"))).toBe("north-works");
  });

  it("a street rule beats the district rule", () => {
    expect(router.route("potholes", area("north", "elm"))).toBe("elm-street-office");
    expect(router.route("potholes", area("north", "elm", "c2", "g9"))).toBe("elm-street-office");
  });

  it("a community rule beats the street rule, down to the grid cell", () => {
    expect(router.route("potholes", area("north", "elm", "c1"))).toBe("c1-committee");
    expect(router.route("potholes", area("north", "elm", "c1", "g1"))).toBe("c1-committee");
  });

  it("the answer does not depend on the order of the rules", () => {
    const reversed = createRouter({ ...TOWN, routing: [...TOWN.routing].reverse() });
    for (const a of [
      undefined,
      area("north"),
      area("north", "elm"),
      area("north", "elm", "c1"),
      area("west"),
    ]) {
      expect(reversed.route("potholes", a)).toBe(router.route("potholes", a));
    }
  });

  it("area prefixes match whole path segments, not string prefixes", () => {
    expect(router.route("potholes", area("northeast"))).toBe("city-roads");
    expect(router.route("potholes", area("north", "elmwood"))).toBe("north-works");
  });

  it("a street without its district is not matched against district rules", () => {
    expect(areaKey(area(undefined, "elm"))).toBe("");
    expect(router.route("potholes", area(undefined, "elm"))).toBe("city-roads");
  });
});

describe("createRouter: fallbacks", () => {
  const router = createRouter(TOWN);

  it("a category whose only rules are for another area falls back to its parent's rules", () => {
    expect(router.route("lamps", area("south"))).toBe("south-lighting");
    expect(router.route("lamps", area("north", "elm"))).toBe("roads-bureau");
    expect(router.route("lamps", undefined)).toBe("roads-bureau");
  });

  it("a category without any rule of its own inherits its parent's", () => {
    const withOrphan = createRouter({
      ...TOWN,
      categories: [...TOWN.categories, category("kerbs", "roads")],
    });
    expect(withOrphan.route("kerbs", area("north"))).toBe("roads-bureau");
  });

  it("no rule anywhere up the tree → null (triage)", () => {
    expect(router.route("noise", area("north"))).toBeNull();
    expect(router.route("barking", undefined)).toBeNull();
  });

  it("unknown or missing category → null", () => {
    expect(router.route("no-such-category", area("north"))).toBeNull();
    expect(router.route(null, area("north", "elm"))).toBeNull();
  });

  it("a parent cycle in the data does not hang the router", () => {
    const cyclic = createRouter({ categories: [category("a", "b"), category("b", "a")], routing: [] });
    expect(cyclic.route("a", undefined)).toBeNull();
  });
});

describe("areaKey", () => {
  it("joins the known prefix of the path and stops at the first gap", () => {
    expect(areaKey(undefined)).toBe("");
    expect(areaKey(area("d"))).toBe("d");
    expect(areaKey(area("d", "s", "c", "g"))).toBe("d/s/c/g");
    expect(areaKey({ district: "d", community: "c" })).toBe("d");
  });
});

describe("resolveArea", () => {
  const districts: Pick<CityConfig, "districts"> = {
    districts: [
      {
        id: "hill",
        name: "山城区",
        streets: [
          { id: "pine", name: "松林街道", communities: [] },
          { id: "brook", name: "溪边街道", communities: [] },
        ],
      },
      {
        id: "river",
        name: "河畔区",
        streets: [{ id: "ferry", name: "渡口街道", communities: [] }],
      },
    ],
  };

  it("finds district and street names in the address text", () => {
    expect(resolveArea(districts, "山城区溪边街道幸福路8号")).toEqual({ district: "hill", street: "brook" });
    expect(resolveArea(districts, "河畔区渡口街道")).toEqual({ district: "river", street: "ferry" });
  });

  it("finds the district alone when no street name is present", () => {
    expect(resolveArea(districts, "河畔区某小区3栋")).toEqual({ district: "river" });
  });

  it("only looks for streets of the district it settled on", () => {
    expect(resolveArea(districts, "山城区渡口街道")).toEqual({ district: "hill" });
  });

  it("keeps what the caller gave and fills only the gaps", () => {
    expect(resolveArea(districts, "河畔区渡口街道", { district: "hill" })).toEqual({ district: "hill" });
    expect(resolveArea(districts, "松林街道旁边", { district: "hill" })).toEqual({
      district: "hill",
      street: "pine",
    });
    expect(
      resolveArea(districts, "山城区溪边街道", { district: "hill", street: "pine", grid: "g1" }),
    ).toEqual({
      district: "hill",
      street: "pine",
      grid: "g1",
    });
  });

  it("returns an empty area when nothing is recognised, without touching the input", () => {
    const given: AreaPath = {};
    expect(resolveArea(districts, "no names here", given)).toEqual({});
    expect(given).toEqual({});
  });
});

describe("the shipped default city", () => {
  const config = parseCityConfig(cityJson, "shared/config/city.json");
  const router = createRouter(config);
  const departments = new Set(config.departments.map((d) => d.id));

  const areaOf = (path: string): AreaPath => {
    const [district, street, community, grid] = path.split("/");
    return area(district, street, community, grid);
  };

  it("every category routes city-wide to a configured department", () => {
    for (const c of config.categories) {
      const dept = router.route(c.id, undefined);
      expect(dept, c.id).not.toBeNull();
      expect(departments.has(dept!), `${c.id} → ${dept}`).toBe(true);
    }
  });

  it("every area rule wins inside its own area", () => {
    const areaRules = config.routing.filter((r) => r.area);
    expect(areaRules.length).toBeGreaterThan(0);
    for (const rule of areaRules) {
      expect(router.route(rule.category, areaOf(rule.area!)), `${rule.category}@${rule.area}`).toBe(
        rule.department,
      );
    }
  });

  it("an area rule does not leak into a sibling district", () => {
    const rule = config.routing.find((r) => r.area?.includes("/"))!;
    const [district] = rule.area!.split("/");
    const other = config.districts.find((d) => d.id !== district)!;
    const cityWide = config.routing.find((r) => r.category === rule.category && !r.area);
    expect(router.route(rule.category, area(other.id))).toBe(cityWide?.department);
  });

  it("resolveArea recognises every configured street from its district and street names", () => {
    for (const d of config.districts) {
      for (const s of d.streets) {
        expect(resolveArea(config, `${d.name}${s.name}某路1号`)).toEqual({ district: d.id, street: s.id });
      }
    }
  });
});

describe("resolveArea: a street named without its district", () => {
  const districts: Pick<CityConfig, "districts"> = {
    districts: [
      { id: "hill", name: "山城区", streets: [{ id: "pine", name: "松林街道", communities: [] }] },
      {
        id: "river",
        name: "河畔区",
        streets: [
          { id: "ferry", name: "渡口街道", communities: [] },
          { id: "pine2", name: "松林街道", communities: [] },
        ],
      },
    ],
  };
  it("places an unambiguous street and its district", () => {
    expect(resolveArea(districts, "渡口街道码头路5号")).toEqual({ district: "river", street: "ferry" });
  });
  it("leaves an ambiguous street name unplaced", () => {
    expect(resolveArea(districts, "松林街道8号")).toEqual({});
  });
  it("does not guess when two streets of the district are named", () => {
    expect(resolveArea(districts, "河畔区渡口街道和松林街道交界处")).toEqual({ district: "river" });
  });
  it("uses the given district to disambiguate", () => {
    expect(resolveArea(districts, "松林街道8号", { district: "river" })).toEqual({
      district: "river",
      street: "pine2",
    });
  });
});
