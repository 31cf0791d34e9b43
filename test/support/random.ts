/** A small deterministic PRNG (mulberry32) so that tests draw the same numbers on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n: number, lo: number, hi: number, next: () => number): number[] {
  return Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * next()));
}
