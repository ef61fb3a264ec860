"""A network's depth as papers count it: the weight layers (convolutions, linear layers) on the
longest path from input to output, read from the traced forward graph. A block's parallel paths
(multi-path) and its projection shortcut run beside that path, so ResNet-34 and its variants all
count 34, and layers a forward never calls (Plain-34's unused projections) count nothing."""

from __future__ import annotations

from torch import fx, nn

WEIGHT_LAYERS = (nn.Conv2d, nn.Linear)


def weight_depth(model: nn.Module) -> int:
    modules = dict(model.named_modules())
    depth: dict[fx.Node, int] = {}
    for node in fx.symbolic_trace(model).graph.nodes:  # in topological order
        own = node.op == "call_module" and isinstance(modules[node.target], WEIGHT_LAYERS)
        depth[node] = max((depth[n] for n in node.all_input_nodes), default=0) + own
    return max(depth.values())
