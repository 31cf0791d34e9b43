import type { FnDecl } from "../shared/artifact.js";

export const tileStartsFn: FnDecl = {
  name: "tileStarts",
  params: [
    { name: "size", type: "number" },
    { name: "tile", type: "number" },
    { name: "stride", type: "number" },
  ],
  returns: "number[]",
  doc: ["Tile origins along one axis, as MambaIR's test loop: every stride, then flush with the end."],
  body: `
var starts = new Array(0);
var p;
if (tile >= size) return [0];
for (p = 0; p < size - tile; p += stride) starts.push(p);
starts.push(size - tile);
return starts;
`,
};

/**
 * The device host's whole job in one function: uint8 pixels (interleaved, `channels` per pixel) in,
 * the restored uint8 image out. Tiles overlap and their outputs are averaged where they meet
 * (BasicSR / MambaIR test-time tiling); float conversions round as PyTorch does in float32.
 * Channels past the model's (alpha) are copied from the nearest input pixel. `defaultTile` (meta.tile,
 * fitted to a memory budget) is the tile when the caller names none. Where runs must be multiples of
 * `multiple`, the image is read as if its last row and column repeated down to the next multiple
 * (runtime/core/pad.ts), and what lies beyond it is not written.
 */
export function restoreFn(
  scale: number,
  inChannels: number,
  outChannels: number,
  inputSize: { readonly h: number | null; readonly w: number | null },
  multiple: { readonly h: number; readonly w: number },
  defaultTile: number | null = null,
): FnDecl {
  const padded = multiple.h > 1 || multiple.w > 1;
  const unit = Math.max(multiple.h, multiple.w);
  // The (padded) image's sides, and what keeps reads and writes within the image itself.
  const H = padded ? "PH" : "height";
  const W = padded ? "PW" : "width";
  const readAt = padded
    ? "(Math.min(y0 + y, height - 1) * width + Math.min(x0 + x, width - 1))"
    : "((y0 + y) * width + x0 + x)";
  const inRows = padded ? " && y0 * scale + y < OH" : "";
  const inCols = padded ? " && x0 * scale + x < OW" : "";
  // A fixed-size artifact runs tiles of exactly its size, whatever opts.tile says.
  const th = inputSize.h === null ? `tile || ${H}` : String(inputSize.h);
  const tw = inputSize.w === null ? `tile || ${W}` : String(inputSize.w);
  const sizes = padded
    ? `var PH = Math.ceil(height / ${multiple.h}) * ${multiple.h}, PW = Math.ceil(width / ${multiple.w}) * ${multiple.w};\n`
    : "";
  const roundTile = padded ? `if (tile) tile = Math.max(${unit}, tile - tile % ${unit});\n` : "";
  return {
    name: "restore",
    params: [
      { name: "pixels", type: "ArrayLike<number>" },
      { name: "width", type: "number" },
      { name: "height", type: "number" },
      { name: "channels", type: "number" },
      { name: "opts", type: "{ tile?: number; overlap?: number }", optional: true },
    ],
    returns: "{ data: Uint8Array; width: number; height: number; channels: number }",
    doc: [
      "Restores an image: uint8 pixels, `channels` per pixel (1 gray, 3 RGB, 4 RGBA), row-major.",
      defaultTile === null
        ? "opts.tile: tile side in pixels (0 or absent: the whole image at once); opts.overlap: tile overlap."
        : `opts.tile: tile side in pixels (absent: ${defaultTile}, meta.tile, which fits the memory budget); opts.overlap: tile overlap.`,
      "An artifact compiled for a fixed input size runs tiles of that size (the image must not be smaller).",
    ],
    body: `
var o = opts || { tile: undefined, overlap: 0 };
var scale = ${scale}, inC = ${inChannels}, outC = ${outChannels};
${sizes}var tile = o.tile === undefined ? ${defaultTile ?? 0} : o.tile;
tile = tile ? Math.min(tile, ${W}, ${H}) : 0;
${roundTile}var overlap = o.overlap || 0;
var th = ${th}, tw = ${tw};
var OH = height * scale, OW = width * scale, oth = th * scale, otw = tw * scale;
var acc = new Float32Array(outC * OH * OW);
var hits = new Float32Array(OH * OW);
var out = new Uint8Array(OH * OW * channels);
var rows, cols, r, c, y0, x0, y, x, k, i, rc, input, output, v;
if (channels < inC) throw new Error("qmc restore: the model reads " + inC + " channels, the image has " + channels);
if (${H} < th || ${W} < tw) throw new Error("qmc restore: the artifact runs on " + th + "x" + tw + " inputs; the image is " + height + "x" + width);
if ((th < ${H} && th - overlap < 1) || (tw < ${W} && tw - overlap < 1)) throw new Error("qmc restore: the overlap must be smaller than the tile");
rows = tileStarts(${H}, th, th - overlap);
cols = tileStarts(${W}, tw, tw - overlap);
rc = qmc_prepare(th, tw);
if (rc !== 0) throw new Error("qmc restore: qmc_prepare(" + th + ", " + tw + ") returned " + rc + (rc === -2 ? " (out of memory)" : rc === -4 ? " (call qmc_load_weights first)" : ""));
for (r = 0; r < rows.length; r++) {
  for (c = 0; c < cols.length; c++) {
    y0 = rows[r];
    x0 = cols[c];
    input = new Float32Array(memory, qmc_input(), inC * th * tw);
    for (k = 0; k < inC; k++) {
      for (y = 0; y < th; y++) {
        for (x = 0; x < tw; x++) input[(k * th + y) * tw + x] = f32(pixels[${readAt} * channels + k] / 255);
      }
    }
    rc = qmc_run();
    if (rc !== 0) throw new Error("qmc restore: qmc_run returned " + rc);
    output = new Float32Array(memory, qmc_output(), outC * oth * otw);
    for (k = 0; k < outC; k++) {
      for (y = 0; y < oth${inRows}; y++) {
        for (x = 0; x < otw${inCols}; x++) acc[(k * OH + y0 * scale + y) * OW + x0 * scale + x] += output[(k * oth + y) * otw + x];
      }
    }
    for (y = 0; y < oth${inRows}; y++) {
      for (x = 0; x < otw${inCols}; x++) hits[(y0 * scale + y) * OW + x0 * scale + x] += 1;
    }
  }
}
for (y = 0; y < OH; y++) {
  for (x = 0; x < OW; x++) {
    i = y * OW + x;
    for (k = 0; k < channels; k++) {
      if (k < outC) {
        v = f32(acc[k * OH * OW + i] / hits[i]);
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        out[i * channels + k] = roundHalfEven(f32(v * 255));
      } else {
        out[i * channels + k] = pixels[(((y / scale) | 0) * width + ((x / scale) | 0)) * channels + k];
      }
    }
  }
}
return { data: out, width: OW, height: OH, channels: channels };
`,
  };
}
