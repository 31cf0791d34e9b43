import { QmcError } from "../diagnostics.js";

/**
 * What a model may ask of qmc before it is refused, each checked before the allocation it guards:
 * the file's size before it is read, a tensor's dims before its data, a graph's node count before
 * its nodes. The defaults sit far above any image-restoration model and far below what exhausts a
 * Node process; a server that takes models from strangers may lower them, the CLI's flags say how.
 */
export interface ModelLimits {
  /** Bytes of the .onnx file (--max-model-bytes). */
  readonly modelBytes: number;
  /** Elements of one tensor: an initializer, a tensor attribute, a declared graph input (--max-tensor-elements). */
  readonly tensorElements: number;
  /** Elements of all the model's tensors together (--max-total-elements). */
  readonly totalElements: number;
  /** Nodes of all graphs together, after model-local functions are inlined (--max-nodes). */
  readonly nodes: number;
  /** Nesting of subgraphs (If/Loop/Scan bodies) below the main graph (--max-graph-depth). */
  readonly graphDepth: number;
}

export const DEFAULT_MODEL_LIMITS: ModelLimits = {
  modelBytes: 1024 ** 3,
  tensorElements: 2 ** 28,
  totalElements: 2 ** 29,
  nodes: 1_000_000,
  graphDepth: 16,
};

let active: ModelLimits = DEFAULT_MODEL_LIMITS;

/** The limits decoding applies when its caller names none: the defaults, or what the CLI's flags set. */
export function modelLimits(): ModelLimits {
  return active;
}

/** Sets the process-wide limits (the CLI does, from its flags); unnamed ones keep their defaults. */
export function configureModelLimits(limits: Partial<ModelLimits>): void {
  active = { ...DEFAULT_MODEL_LIMITS, ...limits };
}

/** Counts what one decode has taken so far against its limits. */
export class LimitBudget {
  private elements = 0;
  private nodes = 0;

  constructor(readonly limits: ModelLimits) {}

  /** A tensor of `count` elements (dims not yet checked for sanity) is about to be allocated. */
  takeElements(count: number, what: string): void {
    if (!(count <= this.limits.tensorElements)) {
      throw new QmcError(
        `${what}: ${count} elements, over the limit of ${this.limits.tensorElements} per tensor (--max-tensor-elements)`,
      );
    }
    this.elements += count;
    if (this.elements > this.limits.totalElements) {
      throw new QmcError(
        `${what}: the model's tensors exceed ${this.limits.totalElements} elements together (--max-total-elements)`,
      );
    }
  }

  takeNodes(count: number, where: string): void {
    this.nodes += count;
    if (this.nodes > this.limits.nodes) {
      throw new QmcError(`${where}: more than ${this.limits.nodes} nodes (--max-nodes)`);
    }
  }

  checkDepth(depth: number, where: string): void {
    if (depth > this.limits.graphDepth) {
      throw new QmcError(
        `${where}: subgraphs nested ${depth} deep, over the limit of ${this.limits.graphDepth} (--max-graph-depth)`,
      );
    }
  }
}
