/** Reads a whole listing (room members, connections of a user...), sorted for comparison. */
export async function collect(ids: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const id of ids) all.push(id);
  return all.sort();
}
