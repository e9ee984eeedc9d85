/** True when `err` is DynamoDB refusing a write whose condition did not hold. */
export function conditionFailed(err: unknown): boolean {
  return (err as { name?: string })?.name === "ConditionalCheckFailedException";
}

/**
 * Runs one conditional write: true when it was applied, false when its condition did not hold; any other
 * error is thrown. The single place for the "first time? / still at this version?" writes of the adapters.
 */
export async function writeIf(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (conditionFailed(err)) return false;
    throw err;
  }
}
