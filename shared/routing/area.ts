import booleanPointInPolygon from "@turf/boolean-point-in-polygon";
import Flatbush from "flatbush";
import type { CityConfig, GridFeature } from "../config/schema.js";
import { ValidationError } from "../domain/errors.js";
import type { AreaPath, AreaSource } from "../domain/ticket.js";
import { resolveArea } from "./router.js";

export interface LocatedArea {
  area: AreaPath;
  source: AreaSource;
}

export interface AreaLocator {
  /** The grid cell containing a point (a dedicated grid before the basic cell under it), or null. */
  cellAt(lat: number, lng: number): AreaPath | null;
  /** The basic grid cell containing a point (under any dedicated grid there), or null. */
  basicCellAt(lat: number, lng: number): AreaPath | null;
  /** Community (and dedicated grid) from the place names in an address, keeping what `given` already says. */
  matchAddress(address: string, given?: AreaPath): AreaPath;
  /**
   * The area of a report and how it was found: a point inside a grid polygon wins (`point`); else an area the
   * caller gave, checked against the tree and completed from the address (`given`); else names in the address
   * (`address`); else `none`. Unknown ids in a given area are refused naming the field.
   */
  locate(location: { address: string; lat?: number; lng?: number; area?: AreaPath }): LocatedArea;
}

interface Cell {
  path: AreaPath;
  key: string;
  dedicated: boolean;
  feature: GridFeature;
}

interface Place {
  name: string;
  path: AreaPath;
}

const FIELDS = ["district", "street", "community", "grid"] as const;

function bbox(feature: GridFeature): [number, number, number, number] {
  const rings =
    feature.geometry.type === "Polygon" ? feature.geometry.coordinates : feature.geometry.coordinates.flat();
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const ring of rings)
    for (const [x, y] of ring) {
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
  return [minX, minY, maxX, maxY];
}

const pathKey = (a: AreaPath) => FIELDS.map((f) => a[f] ?? "").join("/");

/** True when `inner` says nothing that contradicts `outer` (every field `outer` sets is the same in `inner`). */
function agrees(outer: AreaPath, inner: AreaPath): boolean {
  return FIELDS.every((f) => !outer[f] || !inner[f] || outer[f] === inner[f]);
}

/**
 * Built once at start-up: a Flatbush R-tree over the grid polygons' bounding boxes (so a lookup tests only the
 * few polygons whose box holds the point) and the place names of the area tree.
 */
export function createAreaLocator(config: Pick<CityConfig, "districts" | "geo">): AreaLocator {
  const features = config.geo?.grids?.features ?? [];
  const cells: Cell[] = features.map((feature) => {
    const p = feature.properties;
    const path = { district: p.district, street: p.street, community: p.community, grid: p.grid };
    return { path, key: pathKey(path), dedicated: p.kind === "dedicated", feature };
  });
  let index: Flatbush | null = null;
  if (cells.length) {
    index = new Flatbush(cells.length);
    for (const c of cells) index.add(...bbox(c.feature));
    index.finish();
  }

  const places: Place[] = [];
  for (const d of config.districts)
    for (const s of d.streets)
      for (const c of s.communities) {
        const path = { district: d.id, street: s.id, community: c.id };
        places.push({ name: c.name, path });
        for (const p of c.places ?? []) places.push({ name: p, path });
        for (const g of c.dedicatedGrids ?? []) places.push({ name: g.name, path: { ...path, grid: g.id } });
      }
  // Longest names first, so that "保俶路小学" is found before "保俶路".
  places.sort((a, b) => b.name.length - a.name.length);

  const cellAt = (lat: number, lng: number): AreaPath | null => {
    if (!index) return null;
    const hits = index.search(lng, lat, lng, lat).map((i) => cells[i]!);
    const inside = (c: Cell, ignoreBoundary: boolean) =>
      booleanPointInPolygon([lng, lat], c.feature.geometry, { ignoreBoundary });
    const dedicated = hits.filter((c) => c.dedicated && inside(c, false));
    const basic = hits.filter((c) => !c.dedicated);
    // Strictly inside one cell; exactly on a shared border, the cell whose path sorts first (deterministic).
    const pick =
      dedicated.sort((a, b) => (a.key < b.key ? -1 : 1))[0] ??
      basic.find((c) => inside(c, true)) ??
      basic.filter((c) => inside(c, false)).sort((a, b) => (a.key < b.key ? -1 : 1))[0];
    return pick ? { ...pick.path } : null;
  };

  const basicCellAt = (lat: number, lng: number): AreaPath | null => {
    if (!index) return null;
    const basic = index
      .search(lng, lat, lng, lat)
      .map((i) => cells[i]!)
      .filter((c) => !c.dedicated);
    const inside = (c: Cell, ignoreBoundary: boolean) =>
      booleanPointInPolygon([lng, lat], c.feature.geometry, { ignoreBoundary });
    const pick =
      basic.find((c) => inside(c, true)) ??
      basic.filter((c) => inside(c, false)).sort((a, b) => (a.key < b.key ? -1 : 1))[0];
    return pick ? { ...pick.path } : null;
  };

  const matchAddress = (address: string, given: AreaPath = {}): AreaPath => {
    const area = resolveArea(config, address, given);
    if (area.community) return area;
    // Community names, road / estate names and dedicated grids' names are unique in the city (schema.ts).
    const found = places.find((p) => address.includes(p.name) && agrees(area, p.path));
    return found ? { ...area, ...found.path } : area;
  };

  /** Checks every id of a given area against the tree; a street alone finds its district. */
  const checkGiven = (given: AreaPath): AreaPath => {
    const bad = (field: string, value: string) =>
      new ValidationError(`未知区域 ${value} / unknown ${field} ${value}`, `location.area.${field}`);
    const area: AreaPath = { ...given };
    if (!area.district && area.street) {
      const owners = config.districts.filter((d) => d.streets.some((s) => s.id === area.street));
      if (owners.length !== 1) throw bad("street", area.street);
      area.district = owners[0]!.id;
    }
    if ((area.community || area.grid) && !area.street)
      throw new ValidationError(
        "给出社区或网格时须给出街道 / a community or grid needs its street",
        "location.area.street",
      );
    if (!area.district) return area;
    const d = config.districts.find((x) => x.id === area.district);
    if (!d) throw bad("district", area.district);
    if (!area.street) return area;
    const s = d.streets.find((x) => x.id === area.street);
    if (!s) throw bad("street", area.street);
    if (!area.community) {
      if (area.grid) throw bad("grid", area.grid);
      return area;
    }
    const c = s.communities.find((x) => x.id === area.community);
    if (!c) throw bad("community", area.community);
    if (
      area.grid &&
      !c.grids.includes(area.grid) &&
      !(c.dedicatedGrids ?? []).some((g) => g.id === area.grid)
    )
      throw bad("grid", area.grid);
    return area;
  };

  return {
    cellAt,
    basicCellAt,
    matchAddress,
    locate(location) {
      const given = location.area ? checkGiven(location.area) : {};
      const hasGiven = Object.values(given).some(Boolean);
      if (location.lat !== undefined && location.lng !== undefined) {
        const cell = cellAt(location.lat, location.lng);
        if (cell && agrees(given, cell)) return { area: cell, source: "point" };
      }
      const area = matchAddress(location.address, given);
      if (hasGiven) return { area, source: "given" };
      return { area, source: area.district ? "address" : "none" };
    },
  };
}
