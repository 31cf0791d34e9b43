import { QmcRuntimeError } from "./errors.js";

/** The only ABI this runtime speaks (DESIGN.md, "Targets and the bundle ABI"). */
export const ABI_VERSION = 1;

/**
 * The artifact's self-description (the wasm `qmc.meta` section, the js/ts `meta` object). The
 * runtime needs `abi`, `scale` and `channels`; the rest is carried through for reports.
 */
export interface ArtifactMeta {
  readonly abi: number;
  /** Output pixels per input pixel along each side: 1 for denoising and artifact removal. */
  readonly scale: number;
  /** Input and output channels: 1 (gray) or 3 (RGB). */
  readonly channels: number;
  readonly name?: string;
  readonly task?: string;
  readonly target?: string;
  readonly bits?: readonly number[];
  readonly sha256?: string;
  readonly compiler?: string;
  readonly [key: string]: unknown;
}

/** Checks what the runtime relies on; `where` names the artifact part in messages. */
export function parseMeta(value: unknown, where: string): ArtifactMeta {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new QmcRuntimeError(`${where}: meta is not a JSON object`);
  }
  const meta = value as Record<string, unknown>;
  if (meta.abi !== ABI_VERSION) {
    throw new QmcRuntimeError(
      `${where}: artifact ABI version ${JSON.stringify(meta.abi)}, this runtime speaks version ${ABI_VERSION}`,
    );
  }
  const positiveInt = (key: string, allowed?: readonly number[]) => {
    const v = meta[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || (allowed && !allowed.includes(v))) {
      const expected = allowed ? `one of ${allowed.join(", ")}` : "a positive integer";
      throw new QmcRuntimeError(`${where}: meta.${key} is ${JSON.stringify(v)}, expected ${expected}`);
    }
  };
  positiveInt("scale");
  positiveInt("channels", [1, 3]);
  return meta as ArtifactMeta;
}
