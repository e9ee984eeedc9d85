import { describe, expect, it } from "vitest";
import { ConfigError, loadCityConfigFile, parseCityConfig } from "../../../shared/config/load.js";
import { createAreaLocator } from "../../../shared/routing/area.js";

const config = loadCityConfigFile("shared/config/city.json");
const locator = createAreaLocator(config);
const at = (col: number, row: number) => [30.24 + row * 0.005, 120.119 + col * 0.006] as const;

describe("the demo city", () => {
  it("has 3 districts, 8 streets, 30 communities, 120 basic cells and 3 dedicated grids, each with a polygon", () => {
    const streets = config.districts.flatMap((d) => d.streets);
    const communities = streets.flatMap((s) => s.communities);
    expect(config.districts.length).toBeGreaterThanOrEqual(3);
    expect(streets.length).toBeGreaterThanOrEqual(8);
    expect(communities.length).toBeGreaterThanOrEqual(30);
    expect(communities.reduce((n, c) => n + c.grids.length, 0)).toBeGreaterThanOrEqual(120);
    const dedicated = communities.flatMap((c) => c.dedicatedGrids.map((g) => g.type)).sort();
    expect(dedicated).toEqual(["industrial-park", "market", "school"]);
    expect(config.geo?.grids?.features.length).toBe(123);
  });

  it("refuses a grid without a polygon, or a polygon for no grid, naming the field", () => {
    const raw = structuredClone(config) as any;
    raw.geo.grids.features.pop();
    expect(() => parseCityConfig(raw, "x.json")).toThrow(/geo\.grids: grid .* has no polygon/);
    const extra = structuredClone(config) as any;
    extra.geo.grids.features[0].properties.grid = "g77";
    expect(() => parseCityConfig(extra, "x.json")).toThrow(ConfigError);
    const kind = structuredClone(config) as any;
    kind.geo.grids.features[0].properties.kind = "dedicated";
    expect(() => parseCityConfig(kind, "x.json")).toThrow(/kind/);
  });
});

describe("point → grid cell", () => {
  it("inside a cell, either side of a border, on a border and at a corner", () => {
    expect(locator.cellAt(...at(0.5, 0.1))?.grid).toBe("g01");
    expect(locator.cellAt(...at(0.999, 0.1))?.grid).toBe("g01");
    expect(locator.cellAt(...at(1.001, 0.1))?.grid).toBe("g02");
    // on the shared border (and corner) the cell whose path sorts first
    expect(locator.cellAt(...at(1, 0.1))?.grid).toBe("g01");
    expect(locator.cellAt(...at(1, 1))).toMatchObject({ community: "baoshu", grid: "g01" });
    // a border between two communities
    expect(locator.cellAt(...at(2.001, 0.1))?.community).not.toBe("baoshu");
  });

  it("dedicated grids first; outside the city, nothing", () => {
    expect(locator.cellAt(...at(1, 0.5))?.grid).toBe("school");
    expect(locator.cellAt(...at(4.5, 0.5))?.grid).toBe("market");
    expect(locator.cellAt(...at(11, 3))).toMatchObject({ community: "chuangye", grid: "park" });
    expect(locator.cellAt(...at(-1, 0.5))).toBeNull();
  });
});

describe("address → community", () => {
  it("road, estate, community and dedicated grid names, never against the district named", () => {
    expect(locator.matchAddress("保俶路12号")).toEqual({
      district: "xihu",
      street: "beishan",
      community: "baoshu",
    });
    expect(locator.matchAddress("安乐家园3幢")).toMatchObject({ community: "anle" });
    expect(locator.matchAddress("保俶路小学东门")).toMatchObject({ grid: "school" });
    expect(locator.matchAddress("东城区保俶路")).toEqual({ district: "dongcheng" });
  });
});
