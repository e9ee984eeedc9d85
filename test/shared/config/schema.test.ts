import { describe, expect, it } from "vitest";
import cityJson from "../../../shared/config/city.json" with { type: "json" };
import { ConfigError, parseCityConfig } from "../../../shared/config/load.js";
import { CityConfig } from "../../../shared/config/schema.js";
import { CreateTicketInput, Phone } from "../../../shared/domain/ticket.js";

type Raw = {
  departments: Record<string, unknown>[];
  categories: Record<string, unknown>[];
  districts: { id: string; streets: { id: string }[] }[];
  routing: Record<string, unknown>[];
  classifier: { labels: Record<string, string> };
  [key: string]: unknown;
};

/** A fresh, mutable copy of the shipped configuration. */
const raw = (): Raw => structuredClone(cityJson) as unknown as Raw;

function configError(data: unknown): ConfigError {
  try {
    parseCityConfig(data, "bad.json");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected parseCityConfig to throw");
}

function expectBadField(data: unknown, field: string) {
  const err = configError(data);
  expect(err.field).toBe(field);
  expect(err.message).toContain(field);
  expect(err.message).toContain("bad.json");
  return err;
}

describe("the shipped city.json", () => {
  const config = parseCityConfig(cityJson, "shared/config/city.json");

  it("parses", () => {
    expect(CityConfig.safeParse(cityJson).success).toBe(true);
    expect(config.city.timezoneOffsetMinutes).toBe(8 * 60);
  });

  it("has at least ten departments, with street offices in two districts", () => {
    expect(config.departments.length).toBeGreaterThanOrEqual(10);
    const offices = config.departments.filter((d) => d.kind === "street-office");
    const districtsWithOffices = new Set(offices.map((d) => d.district));
    expect(districtsWithOffices.size).toBeGreaterThanOrEqual(2);
    const districtIds = new Set(config.districts.map((d) => d.id));
    for (const d of districtsWithOffices) expect(districtIds.has(d!)).toBe(true);
  });

  it("every street office receives at least one routing rule", () => {
    const routed = new Set(config.routing.map((r) => r.department));
    for (const office of config.departments.filter((d) => d.kind === "street-office")) {
      expect(routed.has(office.id), office.id).toBe(true);
    }
  });

  it("fills defaults for the sections it may omit", () => {
    const { classifier: _classifier, queues: _queues, calendar: _calendar, ...minimal } = raw();
    const parsed = parseCityConfig(minimal);
    expect(parsed.classifier.threshold).toBeGreaterThan(0);
    expect(parsed.classifier.labels).toEqual({});
    expect(parsed.calendar).toEqual({
      official: true,
      years: [],
      closures: [],
      holidays: [],
      makeupWorkdays: [],
    });
    expect(parsed.queues.maxReceiveCount).toBeGreaterThanOrEqual(1);
  });
});

describe("parseCityConfig names the bad field", () => {
  it("a routing rule to an unknown department", () => {
    const data = raw();
    data.routing[3]!.department = "ministry-of-silly-walks";
    expectBadField(data, "routing.3.department");
  });

  it("a routing rule for an unknown category", () => {
    const data = raw();
    data.routing[1]!.category = "no-such-category";
    expectBadField(data, "routing.1.category");
  });

  it("a routing rule for an unknown area", () => {
    const data = raw();
    const district = data.districts[0]!;
    data.routing.push({
      category: data.categories[0]!.id,
      area: `${district.id}/nowhere`,
      department: "water",
    });
    expectBadField(data, `routing.${data.routing.length - 1}.area`);
  });

  it("a routing area in the wrong shape", () => {
    const data = raw();
    data.routing[0]!.area = "A/B";
    expectBadField(data, "routing.0.area");
  });

  it("a duplicate department id", () => {
    const data = raw();
    data.departments.push({ ...data.departments[1]!, name: "copy" });
    expectBadField(data, `departments.${data.departments.length - 1}.id`);
  });

  it("a duplicate category id", () => {
    const data = raw();
    data.categories.push({ ...data.categories[0]! });
    expectBadField(data, `categories.${data.categories.length - 1}.id`);
  });

  it("an id in the wrong format", () => {
    for (const bad of ["Water_Bureau", "-leading-dash", "", "x".repeat(41), "空格 id"]) {
      const data = raw();
      data.departments[2]!.id = bad;
      expectBadField(data, "departments.2.id");
    }
  });

  it("an unknown parent category", () => {
    const data = raw();
    const i = data.categories.findIndex((c) => c.parent);
    data.categories[i]!.parent = "orphanage";
    expectBadField(data, `categories.${i}.parent`);
  });

  it("a classifier label mapped to an unknown category", () => {
    const data = raw();
    const label = "天气";
    data.classifier.labels[label] = "weather";
    expectBadField(data, `classifier.labels.${label}`);
  });

  it("the reserved department id 'triage'", () => {
    const data = raw();
    data.departments.push({ id: "triage", name: "Triage" });
    expectBadField(data, `departments.${data.departments.length - 1}.id`);
  });

  it("an unknown key (typo) in a strict section", () => {
    const data = raw();
    data.departments[0]!.knd = "bureau";
    const err = configError(data);
    expect(err.field).toBe("departments.0");
    expect(err.message).toContain("knd");
  });

  it("a deadline that is neither hours nor working days", () => {
    const data = raw();
    data.deadlines = {
      byUrgency: { urgent: { minutes: 30 }, high: { hours: 1 }, normal: { hours: 2 }, low: { hours: 3 } },
    };
    expectBadField(data, "deadlines.byUrgency.urgent");
  });

  it("a missing urgency in the deadline table", () => {
    const data = raw();
    data.deadlines = { byUrgency: { urgent: { hours: 1 }, high: { hours: 2 }, normal: { hours: 3 } } };
    expectBadField(data, "deadlines.byUrgency.low");
  });

  it("a holiday that is not a date", () => {
    const data = raw();
    data.calendar = { holidays: ["2026-13-45"], makeupWorkdays: [] };
    expectBadField(data, "calendar.holidays.0");
  });

  it("a root that is not an object", () => {
    const err = configError("not a config");
    expect(err.field).toBe("");
    expect(err.message).toContain("(root)");
  });
});

describe("CreateTicketInput", () => {
  const minimal = {
    title: "  Broken street lamp  ",
    description: "\tThe lamp at the bus stop has been dark for a week\n",
    location: { address: " 5 Station Square " },
    reporter: { phone: " 139 0000 2222 " },
  };

  it("trims text and fills the defaults", () => {
    const parsed = CreateTicketInput.parse(minimal);
    expect(parsed.title).toBe(minimal.title.trim());
    expect(parsed.description).toBe(minimal.description.trim());
    expect(parsed.location.address).toBe(minimal.location.address.trim());
    expect(parsed.reporter.phone).toBe(minimal.reporter.phone.replace(/\s/g, ""));
    expect(parsed.requestType).toBe("complaint");
    expect(parsed.urgency).toBe("normal");
    expect(parsed.attachments).toEqual([]);
    expect(parsed.reporter.anonymous).toBe(false);
  });

  it("defaults an attachment's kind to photo", () => {
    const parsed = CreateTicketInput.parse({ ...minimal, attachments: [{ ref: "s3://b/k.jpg" }] });
    expect(parsed.attachments[0]?.kind).toBe("photo");
  });

  it("rejects a title that is only whitespace, naming the field", () => {
    const result = CreateTicketInput.safeParse({ ...minimal, title: "   " });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["title"]);
  });

  it("rejects unknown enum values and out-of-range coordinates", () => {
    expect(CreateTicketInput.safeParse({ ...minimal, urgency: "whenever" }).success).toBe(false);
    expect(CreateTicketInput.safeParse({ ...minimal, requestType: "rant" }).success).toBe(false);
    const badLat = CreateTicketInput.safeParse({ ...minimal, location: { address: "x", lat: 91 } });
    expect(badLat.error?.issues[0]?.path).toEqual(["location", "lat"]);
  });

  it("rejects a bad reporter phone with the phone's path", () => {
    const result = CreateTicketInput.safeParse({ ...minimal, reporter: { phone: "call me maybe" } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["reporter", "phone"]);
  });

  it("limits attachments to twenty", () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ ref: `s3://b/${i}.jpg` }));
    expect(CreateTicketInput.safeParse({ ...minimal, attachments: many }).success).toBe(false);
    expect(CreateTicketInput.safeParse({ ...minimal, attachments: many.slice(1) }).success).toBe(true);
  });
});

describe("Phone", () => {
  it("strips spaces and dashes; a mainland mobile loses its country code, other numbers keep a leading +", () => {
    expect(Phone.parse("  138-1234 5678 ")).toBe("13812345678");
    for (const form of ["+86 139 0000 1111", "0086 13900001111", "8613900001111"]) {
      expect(Phone.parse(form)).toBe("13900001111");
    }
    expect(Phone.parse("+852 9123 4567")).toBe("+85291234567");
    expect(Phone.parse("0571-8765 4321")).toBe("057187654321");
  });

  // Brackets around an area code are a real way to write a landline: "(0571)87654321" is accepted now.
  it("rejects letters, other punctuation, too few and too many digits", () => {
    for (const bad of [
      "",
      "   ",
      "1234",
      "13812x45678",
      "1".repeat(21),
      "00000",
      "+00000000000000000000",
      "++8613800000000",
    ]) {
      expect(Phone.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("parseCityConfig: cross-references", () => {
  it("refuses a category parent cycle", () => {
    const data = raw();
    const cats = data.categories as { id: string; parent?: string }[];
    const root = cats.find((c) => !c.parent)!;
    const child = cats.find((c) => c.parent === root.id)!;
    root.parent = child.id;
    const err = configError(data);
    expect(err.field).toMatch(/^categories\.\d+\.parent$/);
    expect(err.message).toContain("cycle");
  });

  it("refuses a department in an unknown district", () => {
    const data = raw();
    (data.departments as { district?: string }[])[0]!.district = "atlantis";
    expectBadField(data, "departments.0.district");
  });
});
