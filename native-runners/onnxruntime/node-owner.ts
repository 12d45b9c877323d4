/**
 * Which named thing (a part, a layer) an ORT node belongs to: the node's own name or its
 * longest `/`-prefix among `names`. Longest, because imported layer names may hold `/`
 * themselves; undefined when no prefix is a name.
 */
export function ownerOf(node: string, names: ReadonlySet<string>): string | undefined {
  let owner: string | undefined = node;
  while (owner !== undefined && !names.has(owner)) {
    const cut = owner.lastIndexOf('/');
    owner = cut > 0 ? owner.slice(0, cut) : undefined;
  }
  return owner;
}
