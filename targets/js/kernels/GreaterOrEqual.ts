import { comparisonKernel } from "./support/elementwise.js";

export default comparisonKernel("greater_or_equal", ">=");
