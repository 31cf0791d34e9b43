/**
 * Images whose height or width is not a multiple of the artifact's size unit (meta.size_multiple)
 * run padded: the last row and column repeat down and to the right up to the next multiple, and the
 * output is cropped back to scale times the image. PyTorch test scripts for such models pad the same
 * way before the forward pass (with reflection or zeros, depending on the repository).
 */

/** Copies C x h x w planes into C x ph x pw ones, repeating the last row and column. */
export function padPlanes(
  planes: Float32Array,
  channels: number,
  h: number,
  w: number,
  ph: number,
  pw: number,
): Float32Array {
  const out = new Float32Array(channels * ph * pw);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < ph; y++) {
      const from = c * h * w + Math.min(y, h - 1) * w;
      const to = (c * ph + y) * pw;
      out.set(planes.subarray(from, from + w), to);
      out.fill(planes[from + w - 1], to + w, to + pw);
    }
  }
  return out;
}

/** The top-left C x h x w of C x ph x pw planes. */
export function cropPlanes(
  planes: Float32Array,
  channels: number,
  ph: number,
  pw: number,
  h: number,
  w: number,
): Float32Array {
  const out = new Float32Array(channels * h * w);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      const from = (c * ph + y) * pw;
      out.set(planes.subarray(from, from + w), (c * h + y) * w);
    }
  }
  return out;
}
