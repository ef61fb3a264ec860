"""Feature maps: the activations of each stage (`model.feature_stages`, captured with forward
hooks) for one correctly and one wrongly classified evaluation image."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from reportgen.analysis import figures
from reportgen.schema.analysis import FeatureMapCase, StageActivation
from reportgen.config import Normalization
from reportgen.data import normalize


def pick_cases(labels: list[int], preds: list[int], probs: list[list[float]]) -> dict[bool, int]:
    """The most confident correct and the most confident wrong prediction (lowest index on ties):
    deterministic, and the wrong one is the model's most telling mistake."""
    cases: dict[bool, int] = {}
    for correct in (True, False):
        candidates = [i for i, (y, p) in enumerate(zip(labels, preds)) if (y == p) == correct]
        if candidates:
            cases[correct] = min(candidates, key=lambda i: (-probs[i][preds[i]], i))
    return cases


@torch.inference_mode()
def stage_activations(model: nn.Module, image: torch.Tensor) -> dict[str, torch.Tensor]:
    """{stage: (C, H, W)} for one normalised image (3, S, S), from hooks on the stage modules."""
    captured: dict[str, torch.Tensor] = {}
    hooks = [module.register_forward_hook(lambda _m, _i, out, name=name: captured.__setitem__(name, out[0].float()))
             for name, module in model.feature_stages.items()]
    try:
        model.eval()(image[None])
    finally:
        for h in hooks:
            h.remove()
    return {name: captured[name] for name in model.feature_stages}


def feature_map_cases(model: nn.Module, images: torch.Tensor, norm: Normalization, classes: list[str],
                      labels: list[int], preds: list[int], probs: list[list[float]], out_dir: Path,
                      run_dir: Path) -> list[FeatureMapCase]:
    cases = []
    for correct, index in pick_cases(labels, preds, probs).items():
        acts = stage_activations(model, normalize(images[index][None], norm)[0])
        true, pred = classes[labels[index]], classes[preds[index]]
        path = out_dir / f"featuremaps-{'correct' if correct else 'wrong'}.png"
        figures.feature_grid(images[index], acts, path)
        cases.append(FeatureMapCase(
            correct=correct, index=index, true_label=true, pred_label=pred, confidence=probs[index][preds[index]],
            stages=[StageActivation(stage=name, shape=list(a.shape), mean=a.mean().item(),
                                    active_fraction=(a > 0).float().mean().item()) for name, a in acts.items()],
            figure=str(path.relative_to(run_dir)),
        ))
    return cases
