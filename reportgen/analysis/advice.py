"""The run as a whole: whether any model learned enough for rankings to lead the report, and what
to try next, each suggestion resting on a fact of the run (the epochs run, the learning rate, the
size of the last convolutional stage at this image size)."""

from __future__ import annotations

from reportgen.analysis.states import CONVERGED
from reportgen.models import ARCHITECTURES
from reportgen.schema.analysis import Advice, ModelAnalysis, RunHealth

# A last convolutional stage smaller than 2 x 2 pixels (1 x 1: ResNet-34's 7x7/2 stem and max-pool
# on 32 px images) leaves its 3x3 convolutions one position to look at: the stem shrinks the image
# too fast for its size, and a stem that keeps more of it (resnet18_cifar's 3x3/1) or larger images suit it.
MIN_STAGE_SIDE = 2


def last_stage_side(m: ModelAnalysis) -> int | None:
    """The side in pixels of the output of the architecture's last convolutional stage (its
    Grad-CAM layer), from the layer table; None without one."""
    if m.architecture is None:
        return None
    layer = ARCHITECTURES[m.arch].cam_layer
    row = next((r for r in m.architecture.rows if r.name == layer), None)
    return row.output_shape[-1] if row is not None and len(row.output_shape) == 3 else None


def run_health(models: list[ModelAnalysis], image_size: int) -> RunHealth:
    judged = [m for m in models if m.state is not None]
    sides = {m.label: last_stage_side(m) for m in judged}
    candidates = (
        ("more_epochs", [(m.label, m.epochs_run) for m in judged if "undertrained" in m.state.holds]),
        ("lower_lr", [(m.label, m.train_config["lr"]) for m in judged if m.state.state == "diverged"]),
        ("learning_rate", [(m.label, m.train_config["lr"]) for m in judged
                           if m.state.state in ("collapsed", "chance")]),
        ("stem", [(label, side) for label, side in sides.items() if side is not None and side < MIN_STAGE_SIDE]),
    )
    advice = [Advice(key=key, models=[label for label, _ in found], values=[value for _, value in found])
              for key, found in candidates if found]
    return RunHealth(weak=not any(m.state.state in CONVERGED for m in judged), advice=advice,
                     image_size=image_size, min_stage_side=MIN_STAGE_SIDE)
