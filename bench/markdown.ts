/** A count with thousands separators, rounded. */
export const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** A markdown table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}
