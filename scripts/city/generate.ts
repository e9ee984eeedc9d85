/**
 * `npx tsx scripts/city/generate.ts`: regenerates the demo city's area tree (districts → streets → communities
 * → grid cells), its street offices and its grid polygons (shared/config/grids.geo.json) from the layout below.
 * A synthetic but plausible city: 3 districts, 8 streets, 30 communities of 4 grid cells each (120 cells on a
 * 12 × 10 lattice of ~580 m × 555 m around one centre), plus dedicated grids (专属网格) overlaying basic ones.
 * Every other section of city.json (departments other than street offices, categories, routing, …) is kept as it is.
 */
import { readFileSync, writeFileSync } from "node:fs";

const CONFIG = "shared/config/city.json";
const GRIDS = "shared/config/grids.geo.json";

const CENTRE = { lng: 120.155, lat: 30.265 };
const CELL = { lng: 0.006, lat: 0.005 };
const COLS = 12;
const ROWS = 10;
const origin = { lng: CENTRE.lng - (COLS / 2) * CELL.lng, lat: CENTRE.lat - (ROWS / 2) * CELL.lat };
const r6 = (n: number) => Math.round(n * 1e6) / 1e6;
const corner = (col: number, row: number): [number, number] => [
  r6(origin.lng + col * CELL.lng),
  r6(origin.lat + row * CELL.lat),
];

interface StreetPlan {
  id: string;
  name: string;
  communities: [id: string, name: string, road: string, estate: string][];
}
interface DistrictPlan {
  id: string;
  name: string;
  streets: StreetPlan[];
}

// Communities are laid out in 2 × 2 blocks of grid cells; each district takes two block columns (10 communities),
// filled row by row in the order listed here.
const PLAN: DistrictPlan[] = [
  {
    id: "xihu",
    name: "西湖区",
    streets: [
      {
        id: "beishan",
        name: "北山街道",
        communities: [
          ["baoshu", "保俶社区", "保俶路", "保俶花园"],
          ["shuguang", "曙光社区", "曙光路", "曙光新村"],
          ["xixia", "栖霞社区", "栖霞岭路", "栖霞苑"],
          ["baidi", "白堤社区", "孤山路", "白堤小区"],
        ],
      },
      {
        id: "lingyin",
        name: "灵隐街道",
        communities: [
          ["yuquan", "玉泉社区", "玉泉路", "玉泉山庄"],
          ["feilai", "飞来峰社区", "灵隐路", "飞来峰小区"],
          ["meijia", "梅家坞社区", "梅灵北路", "梅家坞新村"],
        ],
      },
      {
        id: "xixi",
        name: "西溪街道",
        communities: [
          ["wenyi", "文一社区", "文一路", "文一家园"],
          ["huajia", "花家山社区", "花家山路", "花家山庄园"],
          ["xiaohe", "小河社区", "小河路", "小河佳苑"],
        ],
      },
    ],
  },
  {
    id: "dongcheng",
    name: "东城区",
    streets: [
      {
        id: "xinhua",
        name: "新华街道",
        communities: [
          ["renmin", "人民社区", "人民路", "人民新村"],
          ["jianshe", "建设社区", "建设路", "建设花园"],
          ["wenhua", "文化社区", "文化路", "文化苑"],
          ["nanyuan", "南苑社区", "南苑路", "南苑小区"],
        ],
      },
      {
        id: "heping",
        name: "和平街道",
        communities: [
          ["anle", "安乐社区", "安乐路", "安乐家园"],
          ["xingfu", "幸福社区", "幸福路", "幸福里小区"],
          ["minzhu", "民主社区", "民主路", "民主新苑"],
        ],
      },
      {
        id: "chaoyang",
        name: "朝阳街道",
        communities: [
          ["dongfeng", "东风社区", "东风路", "东风小区"],
          ["hongqi", "红旗社区", "红旗路", "红旗新村"],
          ["yingbin", "迎宾社区", "迎宾大道", "迎宾花园"],
        ],
      },
    ],
  },
  {
    id: "gaoxin",
    name: "高新区",
    streets: [
      {
        id: "changhe",
        name: "长河街道",
        communities: [
          ["jiangnan", "江南社区", "江南大道", "江南名苑"],
          ["changhe", "长河社区", "长河路", "长河家园"],
          ["binwen", "滨文社区", "滨文路", "滨文苑"],
          ["chuangye", "创业社区", "创业路", "创业新村"],
          ["keji", "科技社区", "科技大道", "科技城小区"],
        ],
      },
      {
        id: "puyan",
        name: "浦沿街道",
        communities: [
          ["puyan", "浦沿社区", "浦沿路", "浦沿新村"],
          ["dongxin", "东信社区", "东信大道", "东信家园"],
          ["xuefu", "学府社区", "学府路", "学府雅苑"],
          ["zhijiang", "之江社区", "之江路", "之江花园"],
          ["yuhang", "聚才社区", "聚才路", "聚才公寓"],
        ],
      },
    ],
  },
];

/** Dedicated grids (专属网格): a market, a school and an industrial park, each inside one community. */
const DEDICATED = [
  {
    path: "dongcheng/xinhua/renmin",
    id: "market",
    name: "人民路农贸市场",
    type: "market",
    // inside the community's first cell, inset
    box: (c: number, r: number) => [
      [c + 0.25, r + 0.25],
      [c + 0.75, r + 0.75],
    ],
  },
  {
    path: "xihu/beishan/baoshu",
    id: "school",
    name: "保俶路小学",
    type: "school",
    // straddles the border between the community's first two cells
    box: (c: number, r: number) => [
      [c + 0.6, r + 0.3],
      [c + 1.4, r + 0.7],
    ],
  },
  {
    path: "gaoxin/changhe/chuangye",
    id: "park",
    name: "创业路工业园区",
    type: "industrial-park",
    // most of the community's four cells
    box: (c: number, r: number) => [
      [c + 0.1, r + 0.1],
      [c + 1.9, r + 1.9],
    ],
  },
];

const rect = (a: [number, number], b: [number, number]) => [[a, [b[0], a[1]], b, [a[0], b[1]], a]];

const city = JSON.parse(readFileSync(CONFIG, "utf8"));
const features: unknown[] = [];
const districts: unknown[] = [];
const streetOffices: unknown[] = [];
const origins = new Map<string, [number, number]>();

PLAN.forEach((d, di) => {
  const communities = d.streets.flatMap((s) => s.communities.map((c) => ({ street: s, c })));
  const placed = communities.map((entry, i) => {
    const bc = di * 2 + (i % 2);
    const br = Math.floor(i / 2);
    return { ...entry, col: bc * 2, row: br * 2 };
  });
  districts.push({
    id: d.id,
    name: d.name,
    streets: d.streets.map((s) => ({
      id: s.id,
      name: s.name,
      communities: placed
        .filter((p) => p.street === s)
        .map(({ c: [id, name, road, estate], col, row }) => {
          const grids = ["g01", "g02", "g03", "g04"];
          grids.forEach((g, gi) => {
            const c0 = col + (gi % 2);
            const r0 = row + Math.floor(gi / 2);
            features.push({
              type: "Feature",
              properties: { district: d.id, street: s.id, community: id, grid: g, kind: "basic" },
              geometry: { type: "Polygon", coordinates: rect(corner(c0, r0), corner(c0 + 1, r0 + 1)) },
            });
          });
          origins.set(`${d.id}/${s.id}/${id}`, [col, row]);
          const dedicated = DEDICATED.filter((x) => x.path === `${d.id}/${s.id}/${id}`).map((x) => ({
            id: x.id,
            name: x.name,
            type: x.type,
          }));
          return {
            id,
            name,
            grids,
            places: [road, estate],
            ...(dedicated.length ? { dedicatedGrids: dedicated } : {}),
          };
        }),
    })),
  });
  for (const s of d.streets) {
    streetOffices.push({
      id: `${d.id}-${s.id}`,
      name: `${d.name}${s.name}办事处`,
      kind: "street-office",
      district: d.id,
    });
  }
});

for (const x of DEDICATED) {
  const [col, row] = origins.get(x.path)!;
  const [[a0, a1], [b0, b1]] = x.box(col, row) as [[number, number], [number, number]];
  const [district, street, community] = x.path.split("/");
  features.push({
    type: "Feature",
    properties: { district, street, community, grid: x.id, kind: "dedicated", name: x.name },
    geometry: { type: "Polygon", coordinates: rect(corner(a0, a1), corner(b0, b1)) },
  });
}

city.departments = [
  ...city.departments.filter((d: { kind?: string }) => d.kind !== "street-office"),
  ...streetOffices,
];
city.districts = districts;
writeFileSync(CONFIG, `${JSON.stringify(city, null, 2)}\n`);
writeFileSync(GRIDS, `${JSON.stringify({ type: "FeatureCollection", features })}\n`);
console.log(`${features.length} polygons, ${streetOffices.length} street offices`);
