import { softmaxOp } from "../support/softmax.js";

export default softmaxOp("Softmax", false);
