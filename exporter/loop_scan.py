"""The standard-ops export's ``loop`` scan form: the selective scan as a sequential ONNX Loop.

The TorchScript tracer unrolls Python loops, so the ``loop`` form is traced as one placeholder node per
scan (``ops._LoopScanMarker``, domain ``qmc.export``) and each is replaced here, with the onnx helper,
by the loop people write when they export a recurrence (opset 17, batch fixed at export):

    dt  = Softplus(delta + Unsqueeze(delta_bias, [0, 2]))                    (B, G*E, L)
    dtT, uT = Transpose(dt | u, [2, 0, 1])                                   (L, B, G*E)
    BT, CT  = Transpose(Bm | Cm, [3, 0, 1, 2])                               (L, B, G, N)
    h_L, ys = Loop(M = Shape(u)[2], cond = "", h_0 = zeros (B, G*E, N)):
        dt_t, u_t, B_t, C_t = Gather(dtT | uT | BT | CT, t)
        h   = Exp(Unsqueeze(dt_t, [2]) * A) * h + Unsqueeze(dt_t * u_t, [2]) * expand(B_t)
        y_t = ReduceSum(h * expand(C_t), [2], keepdims 0)                    (B, G*E)
      with expand(v) = Reshape(Expand(Unsqueeze(v, [2]), (B, G, E, N)), (B, G*E, N))
    y   = Transpose(ys, [1, 2, 0]) + Unsqueeze(D, [0, 2]) * u                (B, G*E, L)

compiler/passes/recognise-scan-loop.ts matches exactly this.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from .ops import LOOP_MARKER_DOMAIN


def _ints(name, values):
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def _int_attr(node, name):
    return next(a.i for a in node.attribute if a.name == name)


def _loop_nodes(node, batch, ge, n, groups, p):
    """The nodes (outer graph) and the extra initializers replacing one marker; value names start with p."""
    u, delta, A, Bm, Cm, D, bias = node.input
    e = ge // groups
    inits = [
        _ints(p + "axes02", [0, 2]), _ints(p + "two", 2),
        numpy_helper.from_array(np.zeros((batch, ge, n), np.float32), p + "h0"),
    ]
    outer = [
        helper.make_node("Unsqueeze", [bias, p + "axes02"], [p + "bias3"]),
        helper.make_node("Add", [delta, p + "bias3"], [p + "dtraw"]),
        helper.make_node("Softplus", [p + "dtraw"], [p + "dt"]),
        helper.make_node("Transpose", [p + "dt"], [p + "dtT"], perm=[2, 0, 1]),
        helper.make_node("Transpose", [u], [p + "uT"], perm=[2, 0, 1]),
        helper.make_node("Transpose", [Bm], [p + "BT"], perm=[3, 0, 1, 2]),
        helper.make_node("Transpose", [Cm], [p + "CT"], perm=[3, 0, 1, 2]),
        helper.make_node("Shape", [u], [p + "ushape"]),
        helper.make_node("Gather", [p + "ushape", p + "two"], [p + "L"], axis=0),
    ]
    q = p + "b_"  # body value names
    body_inits = [
        _ints(q + "axis2", [2]),
        _ints(q + "grouped", [batch, groups, e, n]), _ints(q + "flat", [batch, ge, n]),
    ]

    def expand(v, out):
        return [
            helper.make_node("Unsqueeze", [v, q + "axis2"], [out + "_u"]),
            helper.make_node("Expand", [out + "_u", q + "grouped"], [out + "_e"]),
            helper.make_node("Reshape", [out + "_e", q + "flat"], [out]),
        ]

    body_nodes = [
        helper.make_node("Gather", [p + "dtT", q + "t"], [q + "dt"], axis=0),
        helper.make_node("Gather", [p + "uT", q + "t"], [q + "u"], axis=0),
        helper.make_node("Gather", [p + "BT", q + "t"], [q + "B"], axis=0),
        helper.make_node("Gather", [p + "CT", q + "t"], [q + "C"], axis=0),
        helper.make_node("Unsqueeze", [q + "dt", q + "axis2"], [q + "dt3"]),
        helper.make_node("Mul", [q + "dt3", A], [q + "dA"]),
        helper.make_node("Exp", [q + "dA"], [q + "decay"]),
        helper.make_node("Mul", [q + "decay", q + "h"], [q + "kept"]),
        helper.make_node("Mul", [q + "dt", q + "u"], [q + "dtu"]),
        helper.make_node("Unsqueeze", [q + "dtu", q + "axis2"], [q + "dtu3"]),
        *expand(q + "B", q + "Bx"),
        helper.make_node("Mul", [q + "dtu3", q + "Bx"], [q + "input"]),
        helper.make_node("Add", [q + "kept", q + "input"], [q + "h1"]),
        *expand(q + "C", q + "Cx"),
        helper.make_node("Mul", [q + "h1", q + "Cx"], [q + "hC"]),
        helper.make_node("ReduceSum", [q + "hC", q + "axis2"], [q + "y"], keepdims=0),
        helper.make_node("Identity", [q + "cond"], [q + "cond_out"]),
    ]
    state = [batch, ge, n]
    body = helper.make_graph(
        body_nodes, p + "body",
        [helper.make_tensor_value_info(q + "t", TensorProto.INT64, []),
         helper.make_tensor_value_info(q + "cond", TensorProto.BOOL, []),
         helper.make_tensor_value_info(q + "h", TensorProto.FLOAT, state)],
        [helper.make_tensor_value_info(q + "cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info(q + "h1", TensorProto.FLOAT, state),
         helper.make_tensor_value_info(q + "y", TensorProto.FLOAT, [batch, ge])],
        body_inits,
    )
    outer += [
        helper.make_node("Loop", [p + "L", "", p + "h0"], [p + "hL", p + "ys"], body=body),
        helper.make_node("Transpose", [p + "ys"], [p + "yscan"], perm=[1, 2, 0]),
        helper.make_node("Unsqueeze", [D, p + "axes02"], [p + "D3"]),
        helper.make_node("Mul", [p + "D3", u], [p + "Du"]),
        helper.make_node("Add", [p + "yscan", p + "Du"], list(node.output)),
    ]
    return outer, inits


def expand_loop_scans(m: onnx.ModelProto, batch: int) -> int:
    """Replaces every ``qmc.export::SelectiveScan`` placeholder of ``m`` by its Loop; returns how many.
    A is a constant (an initializer or a Constant node) of shape (G*E, N), as the exporter traces it."""
    g = m.graph
    shapes = {i.name: list(i.dims) for i in g.initializer}
    shapes.update({n.output[0]: list(n.attribute[0].t.dims) for n in g.node
                   if n.op_type == "Constant" and n.attribute[0].name == "value"})
    nodes, k = [], 0
    for node in g.node:
        if node.domain != LOOP_MARKER_DOMAIN:
            nodes.append(node)
            continue
        ge, n = shapes[node.input[2]]
        outer, inits = _loop_nodes(node, batch, ge, n, _int_attr(node, "groups"), f"scan{k}_")
        nodes += outer
        g.initializer.extend(inits)
        k += 1
    del g.node[:]
    g.node.extend(nodes)
    keep = [o for o in m.opset_import if o.domain != LOOP_MARKER_DOMAIN]
    del m.opset_import[:]
    m.opset_import.extend(keep)
    return k
