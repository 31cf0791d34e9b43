import { broadcastKernel } from "./support/elementwise.js";

/** Expand: the input copied out to the output's shape by numpy broadcasting (float32 values). */
export default broadcastKernel("expand", [0], { f32: (_, [x]) => x, f32x4: (_, [x]) => x });
