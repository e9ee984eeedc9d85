import type { CityConfig } from "./schema.js";

// Apart from the schemas (schema.ts) so that code which only walks a validated configuration does not evaluate
// them: a deployed function's configuration is validated at synth (infra/config-inject.ts), not at start-up.

/**
 * Every grid cell of the city's area tree as its full path `district/street/community/grid` (grid ids repeat
 * across communities, so a grid-worker key is bound to the path).
 */
export function gridIds(config: Pick<CityConfig, "districts">): Set<string> {
  const ids = new Set<string>();
  for (const d of config.districts)
    for (const s of d.streets)
      for (const c of s.communities)
        for (const g of [...c.grids, ...(c.dedicatedGrids ?? []).map((x) => x.id)])
          ids.add(`${d.id}/${s.id}/${c.id}/${g}`);
  return ids;
}
