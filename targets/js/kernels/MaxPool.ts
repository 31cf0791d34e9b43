import { poolKernel } from "./support/pool.js";

export default poolKernel("max");
