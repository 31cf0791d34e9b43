import { QmcError } from "../diagnostics.js";
import { type Node, nodeReads } from "./graph.js";

/**
 * Orders nodes so that each runs after the producers of what it reads (stable: already-sorted graphs
 * keep their order). Names not produced by any node are taken as available (inputs, initializers,
 * outer scope); the caller checks those separately. A cycle is an error naming its nodes.
 */
export function topologicalOrder(nodes: readonly Node[], where: string): Node[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o) producer.set(o, i);
  });
  const deps = nodes.map((n) => {
    const d = new Set<number>();
    for (const r of nodeReads(n)) {
      const p = producer.get(r);
      if (p !== undefined) d.add(p);
    }
    return [...d];
  });
  const state = new Uint8Array(nodes.length); // 0 new, 1 on stack, 2 done
  const order: Node[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue;
    const stack: Array<[number, number]> = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [i, k] = top;
      if (k < deps[i].length) {
        top[1]++;
        const j = deps[i][k];
        if (state[j] === 1) {
          const cycle = stack.slice(stack.findIndex(([s]) => s === j)).map(([s]) => label(nodes[s]));
          throw new QmcError(`${where}: the graph has a cycle through ${cycle.join(" -> ")} -> ${label(nodes[j])}`);
        }
        if (state[j] === 0) {
          state[j] = 1;
          stack.push([j, 0]);
        }
      } else {
        state[i] = 2;
        order.push(nodes[i]);
        stack.pop();
      }
    }
  }
  return order;
}

function label(n: Node): string {
  return `${n.name ? `'${n.name}'` : "(unnamed)"} (${n.opType})`;
}
