/** One pair's time ratio: a's median over b's (below 1: a is faster). */
export interface Ratio {
  readonly a: string;
  readonly b: string;
  readonly ratio: number;
}

/** Every pair of contenders once, in their order: the first of a pair is `a`. */
export function pairRatios(contenders: readonly { readonly name: string; readonly medianMs: number }[]): Ratio[] {
  return contenders.flatMap((a, i) =>
    contenders.slice(i + 1).map((b) => ({ a: a.name, b: b.name, ratio: a.medianMs / b.medianMs })),
  );
}
