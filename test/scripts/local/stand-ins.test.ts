import { randomBytes } from "node:crypto";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { ensureTable } from "../../../scripts/local/stand-ins.js";
import { DEDUP_ATTRIBUTES, tableDefinition } from "../../../shared/adapters/table.js";

const LOCAL = { region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };

describe("ensureTable on a table kept in .data from an older layout", () => {
  it("adds the repeat index GSI8 (INCLUDE projection) and drops GSI7 when DynamoDB allows", async () => {
    const endpoint = inject("dynamoEndpoint");
    const client = new DynamoDBClient({ ...LOCAL, endpoint });
    const tableName = `old-layout-${randomBytes(3).toString("hex")}`;
    try {
      // the layout before: GSI7 (street partition, ALL) instead of GSI8
      const now = tableDefinition(tableName);
      const gsis = now.GlobalSecondaryIndexes.filter((g) => g.IndexName !== "GSI8");
      await client.send(
        new CreateTableCommand({
          ...now,
          AttributeDefinitions: [
            ...now.AttributeDefinitions.filter((a) => !a.AttributeName.startsWith("GSI8")),
            { AttributeName: "GSI7PK", AttributeType: "S" },
            { AttributeName: "GSI7SK", AttributeType: "S" },
          ],
          GlobalSecondaryIndexes: [
            ...gsis,
            {
              IndexName: "GSI7",
              KeySchema: [
                { AttributeName: "GSI7PK", KeyType: "HASH" },
                { AttributeName: "GSI7SK", KeyType: "RANGE" },
              ],
              Projection: { ProjectionType: "ALL" },
            },
          ],
        }),
      );
      await ensureTable(endpoint, tableName);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const names = (t: typeof Table) =>
        (t?.GlobalSecondaryIndexes ?? [])
          .filter((g) => g.IndexStatus !== "DELETING")
          .map((g) => g.IndexName)
          .sort();
      const wanted = now.GlobalSecondaryIndexes.map((g) => g.IndexName).sort();
      // GSI8 is there; GSI7 is being deleted (DELETING for a while), gone, or — when DynamoDB was still building
      // GSI8 — left for a later start
      expect(names(Table).filter((n) => n !== "GSI7")).toEqual(wanted);
      expect(Table?.GlobalSecondaryIndexes?.find((g) => g.IndexName === "GSI8")?.Projection).toEqual({
        ProjectionType: "INCLUDE",
        NonKeyAttributes: [...DEDUP_ATTRIBUTES],
      });
      // a second start, with GSI8 perhaps still being built, does not fail and changes nothing else
      await ensureTable(endpoint, tableName);
      const again = await client.send(new DescribeTableCommand({ TableName: tableName }));
      expect(names(again.Table).filter((n) => n !== "GSI7")).toEqual(wanted);
    } finally {
      client.destroy();
    }
  });
});
