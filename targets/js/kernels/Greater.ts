import { comparisonKernel } from "./support/elementwise.js";

export default comparisonKernel("greater", ">");
