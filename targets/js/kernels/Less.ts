import { comparisonKernel } from "./support/elementwise.js";

export default comparisonKernel("less", "<");
