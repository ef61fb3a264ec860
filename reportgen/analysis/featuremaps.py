"""Feature maps: the activations of each stage (`model.feature_stages`, captured with forward
hooks) for one correctly and one wrongly classified evaluation image: their facts, and the first
channels of each stage as figure data (reportgen.figures draws them)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from reportgen.analysis.figures import to_pixels
from reportgen.config import Normalization
from reportgen.data import normalize
from reportgen.figures import files
from reportgen.rundir import RunDir
from reportgen.schema.analysis import FeatureMapCase, StageActivation


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


def issue_of(acts: dict[str, torch.Tensor]) -> str | None:
    """Why a case's figure is not drawn: an activation not finite (every map would be one colour,
    or none), or every activation zero; None when it is drawn."""
    if not all(torch.isfinite(a).all() for a in acts.values()):
        return "not_finite"
    return "all_zero" if not any(a.any() for a in acts.values()) else None


COLOUR_LEVELS = 256  # the entries of the colour map the figure draws activations with (viridis)


def stored_channels(act: torch.Tensor) -> np.ndarray:
    """A stage's first FEATURE_CHANNELS maps as the figure colours them: each over its own range
    (as matplotlib's imshow scales one), as the index of its colour (uint8), whatever the magnitude."""
    maps = files.shrunk(act[:files.FEATURE_CHANNELS].numpy()).astype(np.float64)
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    scaled = (maps - low) / np.where(span > 0, span, 1.0)  # a constant map: all zero, one colour
    return np.minimum(COLOUR_LEVELS - 1, scaled * COLOUR_LEVELS).astype(np.uint8)


def finite_mean(act: torch.Tensor) -> float | None:
    return act.mean().item() if torch.isfinite(act).all() else None


def feature_map_cases(model: nn.Module, images: torch.Tensor, norm: Normalization, classes: list[str],
                      labels: list[int], preds: list[int], probs: list[list[float]], run: RunDir,
                      slug: str) -> list[FeatureMapCase]:
    cases = []
    for correct, index in pick_cases(labels, preds, probs).items():
        acts = stage_activations(model, normalize(images[index][None], norm)[0])
        issue = issue_of(acts)
        if issue is None:
            files.save_arrays(files.feature_map_data(run, slug, correct),
                              image=files.stored_images(to_pixels(images[index][None]).numpy())[0],
                              **{f"stage{k}": stored_channels(a) for k, a in enumerate(acts.values())})
        cases.append(FeatureMapCase(
            correct=correct, index=index, true_label=classes[labels[index]], pred_label=classes[preds[index]],
            confidence=probs[index][preds[index]],
            stages=[StageActivation(stage=name, shape=list(a.shape), mean=finite_mean(a),
                                    active_fraction=(a > 0).float().mean().item()) for name, a in acts.items()],
            figure=files.model_figure(slug, f"featuremaps-{'correct' if correct else 'wrong'}"), issue=issue,
        ))
    return cases
