import { softmaxOp } from "../support/softmax.js";

export default softmaxOp("LogSoftmax", true);
