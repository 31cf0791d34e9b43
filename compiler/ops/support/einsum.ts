/** A dim label: a letter, or "#k" for the k-th of the broadcast dims an ellipsis stands for. */
export type Label = string;

export interface EinsumEquation {
  readonly inputs: Label[][];
  readonly output: Label[];
}

/**
 * Parses the equation against the input ranks. Ellipsis dims are right-aligned across inputs (numpy
 * broadcasting); in implicit mode the output is the ellipsis dims then every letter used once, sorted.
 * The Einsum op and the lower-einsum pass share it; `error` makes their kind of error.
 */
export function parseEinsumEquation(
  equation: string,
  ranks: readonly number[],
  error: (why: string) => Error,
): EinsumEquation {
  const text = equation.replace(/\s+/g, "");
  const [lhs, rhs, ...rest] = text.split("->");
  if (rest.length > 0) throw error(`equation '${equation}' has more than one '->'`);
  const terms = lhs.split(",");
  if (terms.length !== ranks.length) {
    throw error(`equation '${equation}' names ${terms.length} operands, but ${ranks.length} inputs are given`);
  }
  const letters = (term: string, where: string) => {
    const parts = term.split("...");
    if (parts.length > 2) throw error(`equation '${equation}': ${where} has more than one ellipsis`);
    for (const p of parts) {
      if (!/^[A-Za-z]*$/.test(p)) throw error(`equation '${equation}': ${where} has a character other than a letter`);
    }
    return { before: [...parts[0]], after: parts.length === 2 ? [...parts[1]] : undefined };
  };
  const parsed = terms.map((t, i) => letters(t, `operand ${i}`));
  const ellipsisRanks = parsed.map((p, i) => {
    const named = p.before.length + (p.after?.length ?? 0);
    const e = p.after ? ranks[i] - named : 0;
    if (e < 0 || (!p.after && named !== ranks[i])) {
      throw error(`equation '${equation}': operand ${i} names ${named} dims, but input ${i} has rank ${ranks[i]}`);
    }
    return e;
  });
  const ellipsisRank = Math.max(0, ...ellipsisRanks);
  const ellipsis = (e: number) => Array.from({ length: e }, (_, k) => `#${ellipsisRank - e + k}`);
  const inputs = parsed.map((p, i) => (p.after ? [...p.before, ...ellipsis(ellipsisRanks[i]), ...p.after] : p.before));
  if (rhs !== undefined) {
    const o = letters(rhs, "the output");
    const output = o.after ? [...o.before, ...ellipsis(ellipsisRank), ...o.after] : o.before;
    if (new Set(output).size !== output.length) throw error(`equation '${equation}': the output repeats a letter`);
    for (const l of output) {
      if (!inputs.some((t) => t.includes(l)))
        throw error(`equation '${equation}': output letter '${l}' is in no operand`);
    }
    return { inputs, output };
  }
  const counts = new Map<Label, number>();
  for (const t of inputs) for (const l of t) counts.set(l, (counts.get(l) ?? 0) + 1);
  const once = [...counts].filter(([l, n]) => n === 1 && !l.startsWith("#")).map(([l]) => l);
  return { inputs, output: [...ellipsis(ellipsisRank), ...once.sort()] };
}
