/** The benchmarks' input: qmc bench's photo crop. */
export { samplePhoto } from "../compiler/cli/bench/photo.js";
