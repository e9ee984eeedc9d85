import { describe, expect, it } from "vitest";
import { ticketFromStreamImage } from "../../../shared/adapters/table-stream.js";

describe("ticketFromStreamImage", () => {
  it("reads DynamoDB Local's `{}` for an empty map as the empty map, at any depth", () => {
    const ticket = ticketFromStreamImage({
      PK: { S: "TICKET#x" },
      SK: { S: "META" },
      entity: { S: "ticket" },
      ticket: { M: { id: { S: "x" }, location: { M: { area: {} as never, address: { S: "某处" } } } } },
    });
    expect(ticket?.location).toEqual({ area: {}, address: "某处" });
    expect(
      ticketFromStreamImage({
        PK: { S: "EVENT#x" },
        SK: { S: "E#1" },
        extra: {} as never,
        list: { L: [{} as never] },
      }),
    ).toBeNull();
  });

  it("ignores records without a new image and items that are not tickets", () => {
    expect(ticketFromStreamImage(undefined)).toBeNull();
    expect(
      ticketFromStreamImage({ PK: { S: "KEY#1" }, SK: { S: "META" }, entity: { S: "api-key" } }),
    ).toBeNull();
  });
});
