"""Explaining predictions: Grad-CAM maps (pytorch-grad-cam) of a bounded set of evaluation images
per model, each model's gallery of its most confident mistakes in its most confused class pairs,
and the images on which the baseline and another model disagree.

Bounds, so a 100-class run still makes a handful of pictures:
- per class, its most confident correct and most confident wrong image, for the first
  `CAM_CLASSES` classes (at most 2 x 10 = 20 maps);
- per confused pair (at most diagnostics.TOP = 3), its `GALLERY_PER_PAIR` most confident mistakes;
- per pair of models, the baseline against each other model, `DISAGREEMENTS_PER_KIND` images of
  each kind (only the baseline right, only the other right).

Every map is for the class the model predicted (the prediction a reader sees beside it) and is
computed from the checkpoint evaluated (best.pt), on the CPU in eval mode, all of a model's chosen
images in one batched pass. The images and maps are saved as the model's figure data
(files.cam_data), from which reportgen.figures draws them in a document's language; a map that is
all zero or not finite is recorded as such (CamFacts.map_issue), never measured or drawn.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np
import torch
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from torch import nn

from reportgen.analysis.facts import Predictions
from reportgen.analysis.featuremaps import pick_cases
from reportgen.analysis.figures import to_pixels
from reportgen.analysis.stats import discordant
from reportgen.config import Experiment, Normalization
from reportgen.data import DatasetSplits, normalize
from reportgen.figures import files
from reportgen.models import ARCHITECTURES, build
from reportgen.rundir import RunDir, load_run_checkpoint
from reportgen.schema.analysis import (CamFacts, ConfusedPair, Disagreement, DisagreementImage, Explanation,
                                       MistakeGroup, ModelAnalysis)

CAM_CLASSES = 10
GALLERY_PER_PAIR = 3
DISAGREEMENTS_PER_KIND = 3
# Concentration of a map = the share of its mass in its brightest tenth of pixels. A map spread
# evenly over the image puts 10% there. Grad-CAM maps are coarse (a 4x4 to 8x8 grid upsampled), so
# even a model that provably looks at one small square (tests/test_explain.py: a square of 1/16 of
# the image decides the class) puts only 41-47% there in the median over four seeds; three times
# an even spread, 30%, separates such a map from one that covers the image, and is called
# "concentrated".
TOP_PIXELS = 0.1
CONCENTRATED_SHARE = 0.3


def by_confidence(indices, preds: list[int], probs: list[list[float]]) -> list[int]:
    """Most confident prediction first (lowest index on ties): deterministic."""
    return sorted((int(i) for i in indices), key=lambda i: (-probs[i][preds[i]], i))


def per_class_picks(labels: list[int], preds: list[int], probs: list[list[float]], classes: int) -> list[int]:
    """For each of the first CAM_CLASSES classes, its most confident correct and wrong image (when any)."""
    picks = []
    for c in range(min(classes, CAM_CLASSES)):
        for correct in (True, False):
            found = by_confidence([i for i, (y, p) in enumerate(zip(labels, preds)) if y == c and (y == p) == correct],
                                  preds, probs)
            picks += found[:1]
    return picks


def gallery_picks(m: ModelAnalysis, labels: list[int], preds: list[int], probs: list[list[float]],
                  classes: list[str]) -> list[tuple[ConfusedPair, list[int]]]:
    """(confused pair, its most confident mistakes) for each of the model's most confused pairs."""
    pairs = m.diagnostics.confused_pairs if m.diagnostics else []
    out = []
    for pair in pairs:
        t, p = classes.index(pair.true_label), classes.index(pair.pred_label)
        wrong = [i for i, (y, q) in enumerate(zip(labels, preds)) if y == t and q == p]
        out.append((pair, by_confidence(wrong, preds, probs)[:GALLERY_PER_PAIR]))
    return out


def grad_cams(net: nn.Module, layer: str, images: torch.Tensor, norm: Normalization,
              targets: list[int]) -> np.ndarray:
    """Grad-CAM maps (N, S, S) in [0, 1] of uint8 images (N, 3, S, S), each for its class in
    `targets`, in one batched pass on the CPU in eval mode."""
    target = net.get_submodule(layer)
    # Gradients flow back to the target layer and no further: the layers before it need none,
    # so the backward pass costs a fraction of the forward one (the map needs only the gradient
    # at the target layer's output).
    net.cpu().eval().requires_grad_(False)
    target.requires_grad_(True)
    with GradCAM(model=net, target_layers=[target]) as cam:
        maps = cam(input_tensor=normalize(images, norm), targets=[ClassifierOutputTarget(c) for c in targets])
    return maps


def top_share(cam: np.ndarray) -> float:
    """Share of a usable map's mass in its brightest TOP_PIXELS of pixels."""
    flat = np.sort(cam.ravel())
    return float(flat[-max(1, round(TOP_PIXELS * flat.size)):].sum()) / float(flat.sum())


def peak(cam: np.ndarray) -> list[float]:
    """(row, column) of a usable map's maximum, the pixel's centre as fractions of the side."""
    row, col = np.unravel_index(int(np.argmax(cam)), cam.shape)
    return [(row + 0.5) / cam.shape[0], (col + 0.5) / cam.shape[1]]


def cam_facts(i: int, prediction: Predictions, classes: list[str], cam: np.ndarray) -> CamFacts:
    labels, preds, probs = prediction
    issue = files.unusable(cam)
    return CamFacts(index=i, true_label=classes[labels[i]], pred_label=classes[preds[i]],
                    confidence=probs[i][preds[i]], top_share=None if issue else top_share(cam),
                    peak=None if issue else peak(cam), map_issue=issue)


def disagreement_picks(labels: list[int], a: Predictions, b: Predictions) -> tuple[list[int], list[int], int, int]:
    """Images only a gets right (b's most confident mistakes first), only b gets right, and the
    counts of each kind."""
    a_right, b_right = discordant(labels, a[1], b[1])
    return (by_confidence(np.flatnonzero(a_right), b[1], b[2])[:DISAGREEMENTS_PER_KIND],
            by_confidence(np.flatnonzero(b_right), a[1], a[2])[:DISAGREEMENTS_PER_KIND],
            int(a_right.sum()), int(b_right.sum()))


def load_net(m: ModelAnalysis, exp: Experiment, run: RunDir, classes: int, image_size: int) -> nn.Module:
    spec = exp.model(m.label)
    net = build(spec.arch, classes, image_size, spec.params)
    net.load_state_dict(load_run_checkpoint(run.model(m.slug).best, run.path)["model"])  # weights_only=True
    return net


@dataclass(frozen=True)
class Choice:
    """The images of one model's own figures, as rows of predictions.csv."""

    cases: list[int]  # the feature maps' images: most confident correct, then wrong
    per_class: list[int]
    gallery: list[tuple[ConfusedPair, list[int]]]

    @property
    def shown(self) -> list[int]:
        return list(dict.fromkeys([*self.cases, *self.per_class, *(i for _, group in self.gallery for i in group)]))


def choose(m: ModelAnalysis, prediction: Predictions, classes: list[str]) -> Choice:
    labels, preds, probs = prediction
    return Choice(cases=list(pick_cases(labels, preds, probs).values()),
                  per_class=per_class_picks(labels, preds, probs, len(classes)),
                  gallery=gallery_picks(m, labels, preds, probs, classes))


def model_explanation(m: ModelAnalysis, choice: Choice, maps: dict[int, np.ndarray], prediction: Predictions,
                      classes: list[str]) -> Explanation:
    """The facts of the model's maps, and the ids of its figures."""
    facts = {i: cam_facts(i, prediction, classes, maps[i]) for i in choice.shown}
    shares = [facts[i].top_share for i in choice.shown if facts[i].top_share is not None]
    explanation = Explanation(
        target_layer=ARCHITECTURES[m.arch].cam_layer, top_pixels=TOP_PIXELS, concentrated_share=CONCENTRATED_SHARE,
        cases=[facts[i] for i in choice.cases], per_class=[facts[i] for i in choice.per_class],
        classes_shown=min(len(classes), CAM_CLASSES), per_class_limit=CAM_CLASSES,
        gallery=[MistakeGroup(true_label=pair.true_label, pred_label=pair.pred_label, count=pair.count,
                              images=[facts[i] for i in group]) for pair, group in choice.gallery],
        gallery_limit=GALLERY_PER_PAIR, maps=len(facts),
        median_top_share=statistics.median(shares) if shares else None,
        concentrated=sum(s >= CONCENTRATED_SHARE for s in shares), figures={},
    )
    explanation.figures = {name: files.model_figure(m.slug, f"cam-{name}") for name in ("cases", "per_class", "gallery")
                           if getattr(explanation, name)}
    return explanation


def disagreement(a: ModelAnalysis, b: ModelAnalysis, picks: tuple[list[int], list[int], int, int],
                 predictions: dict[str, Predictions], cams: dict[str, dict[int, np.ndarray]],
                 classes: list[str]) -> Disagreement:
    """The discordant counts of a and b, the chosen images with both models' maps, and the figure's id."""
    a_right, b_right, a_only, b_only = picks

    def paired(i: int) -> DisagreementImage:
        return DisagreementImage(a=cam_facts(i, predictions[a.label], classes, cams[a.label][i]),
                                 b=cam_facts(i, predictions[b.label], classes, cams[b.label][i]))

    d = Disagreement(a=a.label, b=b.label, n=len(predictions[a.label][0]), a_only=a_only, b_only=b_only,
                     limit=DISAGREEMENTS_PER_KIND, a_right=[paired(i) for i in a_right],
                     b_right=[paired(i) for i in b_right],
                     figure=files.disagreement_figure(a.slug, b.slug) if a_right or b_right else "")
    return d


def explain_models(models: list[ModelAnalysis], predictions: dict[str, Predictions], run: RunDir, exp: Experiment,
                   classes: list[str], image_size: int, data: DatasetSplits, baseline: str | None) -> list[Disagreement]:
    """Fill in each evaluated model's `explanation`, save each one's images and maps as its figure
    data, and return the disagreements of the baseline with every other model; `predictions`
    holds every evaluated model's, by label."""
    models = [m for m in models if m.accuracy is not None and run.model(m.slug).best.is_file()]
    choices = {m.label: choose(m, predictions[m.label], classes) for m in models}
    base = next((m for m in models if m.label == baseline), None)
    pairs = [(base, m, disagreement_picks(predictions[base.label][0], predictions[base.label], predictions[m.label]))
             for m in models if base is not None and m is not base]
    cams: dict[str, dict[int, np.ndarray]] = {}
    for m in models:  # everything the model's maps are needed for, in one pass
        indices = list(dict.fromkeys(choices[m.label].shown + [
            i for a, b, (a_right, b_right, _, _) in pairs if m.label in (a.label, b.label) for i in a_right + b_right]))
        maps = grad_cams(load_net(m, exp, run, len(classes), image_size), ARCHITECTURES[m.arch].cam_layer,
                         data.eval.images[indices], exp.data.norm, [predictions[m.label][1][i] for i in indices])
        cams[m.label] = dict(zip(indices, maps))
        files.save_arrays(files.cam_data(run, m.slug), index=np.asarray(indices, dtype=np.int64),
                          image=files.stored_images(to_pixels(data.eval.images[indices]).numpy()),
                          map=files.stored_maps(maps))
    for m in models:
        m.explanation = model_explanation(m, choices[m.label], cams[m.label], predictions[m.label], classes)
    return [disagreement(a, b, picks, predictions, cams, classes) for a, b, picks in pairs]
