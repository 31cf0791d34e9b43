import { QmcRuntimeError } from "./errors.js";

/** The only ABI this runtime speaks (DESIGN.md, "Targets and the bundle ABI"). */
export const ABI_VERSION = 1;

/**
 * The artifact's self-description (the wasm `qmc.meta` section, the js/ts `meta` object). The
 * runtime needs `abi`, `scale`, `channels` and `out_channels`; the rest is carried through for reports.
 */
export interface ArtifactMeta {
  readonly abi: number;
  /** Output pixels per input pixel along each side: 1 for denoising and artifact removal. */
  readonly scale: number;
  /** Input channels: 1 (gray) or 3 (RGB). */
  readonly channels: number;
  /** Output channels, 1 or 3; absent in older artifacts, whose output has the input's. */
  readonly out_channels?: number;
  readonly name?: string;
  readonly task?: string;
  readonly target?: string;
  readonly bits?: readonly number[];
  readonly sha256?: string;
  readonly compiler?: string;
  /** [height, width] the artifact was compiled for, null where any size runs; absent in older artifacts. */
  readonly input_size?: readonly [number | null, number | null];
  /** [height, width] every run's size must be a multiple of (the runtime pads to them); absent: 1, 1. */
  readonly size_multiple?: readonly [number, number];
  /** The tile fitted to a memory budget at compile time, used when the caller names none; null or absent: none. */
  readonly tile?: number | null;
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
  if (meta.out_channels !== undefined) positiveInt("out_channels", [1, 3]);
  const size = meta.input_size;
  const sizeOk = (d: unknown) => d === null || (typeof d === "number" && Number.isInteger(d) && d >= 1);
  if (size !== undefined && !(Array.isArray(size) && size.length === 2 && size.every(sizeOk))) {
    throw new QmcRuntimeError(
      `${where}: meta.input_size is ${JSON.stringify(size)}, expected [height, width], each a positive integer or null`,
    );
  }
  const multiple = meta.size_multiple;
  const unit = (d: unknown) => typeof d === "number" && Number.isInteger(d) && d >= 1 && d <= 65536;
  if (multiple !== undefined && !(Array.isArray(multiple) && multiple.length === 2 && multiple.every(unit))) {
    throw new QmcRuntimeError(
      `${where}: meta.size_multiple is ${JSON.stringify(multiple)}, expected [height, width], each an integer from 1 to 65536`,
    );
  }
  const tile = meta.tile;
  if (tile !== undefined && tile !== null && !(typeof tile === "number" && Number.isInteger(tile) && tile >= 1)) {
    throw new QmcRuntimeError(`${where}: meta.tile is ${JSON.stringify(tile)}, expected a positive integer or null`);
  }
  return meta as ArtifactMeta;
}

/** The channels of the artifact's output planes. */
export function outChannelsOf(meta: ArtifactMeta): number {
  return meta.out_channels ?? meta.channels;
}

/** The input size an artifact was compiled for, per axis; null where it takes any size. */
export function fixedSizeOf(meta: ArtifactMeta): { h: number | null; w: number | null } {
  const size = meta.input_size;
  return size ? { h: size[0], w: size[1] } : { h: null, w: null };
}

/** What every run's height and width must be multiples of. */
export function sizeMultipleOf(meta: ArtifactMeta): { h: number; w: number } {
  const m = meta.size_multiple;
  return m ? { h: m[0], w: m[1] } : { h: 1, w: 1 };
}

/** The tile an artifact runs when the caller names none: meta.tile, fitted to a memory budget. */
export function defaultTileOf(meta: ArtifactMeta): number | undefined {
  return meta.tile ?? undefined;
}
