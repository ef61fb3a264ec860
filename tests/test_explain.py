"""Grad-CAM, galleries of mistakes and disagreements (reportgen/analysis/explain.py), checked
against the model each map explains and against predictions.csv."""

import copy
import statistics

import numpy as np
import pytest
import torch
from torch import nn

from reportgen.analysis import analyse
from reportgen.analysis.diagnostics import diagnose
from reportgen.analysis.explain import (CAM_CLASSES, CONCENTRATED_SHARE, DISAGREEMENTS_PER_KIND, GALLERY_PER_PAIR,
                                        explain_models, grad_cams, peak, top_share)
from reportgen.analysis.facts import model_facts, read_predictions
from reportgen.analysis.stats import discordant
from reportgen.config import Normalization, validate_experiment
from reportgen.data import load_dataset
from reportgen.figures import files
from reportgen.language.format import Formatter
from reportgen.language.phrases import LANGUAGES
from reportgen.models import ARCHITECTURES, build
from reportgen.report import build_document
from reportgen.report.document import Figure
from reportgen.report.context import Context
from reportgen.report.explanation import (case_sentences, disagreement_sentences, gallery_sentences,
                                          overview)
from reportgen.rundir import RunDir, read_run_csv, write_csv
from helpers import CNN_PRED, HANDMADE, RESNET_PRED, TRUE, history_rows
from helpers import fact_numbers, numbers

HALF = Normalization(mean=[0.5] * 3, std=[0.5] * 3)


def corner_squares(n: int, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Dim noise with one bright square in the image's corner quarter of its class (0 top left,
    1 top right, 2 bottom left, 3 bottom right), at a random place inside that quarter but at least
    half its side from the centre lines. Only the square decides the class."""
    g = torch.Generator().manual_seed(seed)
    images = (torch.rand(n, 3, size, size, generator=g) * 80).to(torch.uint8)
    labels = torch.arange(n) % 4
    side, quarter = size // 4, size // 2
    for i, y in enumerate(labels.tolist()):
        r, c = (int(v) for v in torch.randint(0, quarter - side - side // 2 + 1, (2,), generator=g))
        top = size - side - r if y >= 2 else r
        left = size - side - c if y % 2 else c
        images[i, :, top:top + side, left:left + side] = 255
    return images, labels


@pytest.mark.slow
def test_cam_peak_lies_in_the_region_that_decides_the_class():
    torch.manual_seed(0)
    size = 32
    net = build("cnn", 4, size, {"conv_filters": [8, 16, 16], "fc_neurons": 32, "dropout_rate": 0.0})
    images, labels = corner_squares(256, size, seed=1)
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    net.train()
    for _ in range(40):
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(images.float() / 127.5 - 1), labels).backward()
        optimizer.step()
    test, test_labels = corner_squares(20, size, seed=2)
    with torch.no_grad():
        preds = net.eval()(test.float() / 127.5 - 1).argmax(1)
    assert (preds == test_labels).all()  # the model learned the rule, so its maps can be judged by it
    maps = grad_cams(net, ARCHITECTURES["cnn"].cam_layer, test, HALF, preds.tolist())
    assert maps.shape == (20, size, size)
    for cam, y in zip(maps, test_labels.tolist()):
        assert peak(cam) is not None  # a map for the predicted class is not all zero
        row, col = peak(cam)
        assert (row >= 0.5, col >= 0.5) == (y >= 2, y % 2 == 1), (y, row, col)
    # The threshold calls the typical map of a model that looks at one small square concentrated.
    assert statistics.median(top_share(cam) for cam in maps) >= CONCENTRATED_SHARE


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_every_architecture_declares_a_convolutional_cam_layer(arch):
    net = build(arch, 3, 64)  # the 34-layer networks' last stage is 1 x 1 below 64 px
    layer = net.get_submodule(ARCHITECTURES[arch].cam_layer)
    assert any(p.requires_grad for p in layer.parameters())  # explain.grad_cams lets gradients stop there
    shapes = []
    hook = layer.register_forward_hook(lambda _m, _i, out: shapes.append(out.shape) and None)
    net.eval()(torch.zeros(1, 3, 64, 64))
    hook.remove()
    assert len(shapes[0]) == 4 and shapes[0][-1] > 1  # a spatial map, before global pooling
    images = torch.randint(0, 256, (2, 3, 64, 64), dtype=torch.uint8)
    maps = grad_cams(net, ARCHITECTURES[arch].cam_layer, images, HALF, [0, 1])
    assert maps.shape == (2, 64, 64) and np.isfinite(maps).all()


def rows_of(run, slug):
    return read_run_csv(RunDir(run).model(slug).predictions, run)


def confidence_of(row) -> float:
    """The predicted class's probability: prob_<class> columns are in class order."""
    return [float(v) for k, v in row.items() if k.startswith("prob_")][int(row["pred"])]


@pytest.fixture
def graded_run(handmade_run):
    """The hand-made run with distinct confidences, so every choice by confidence is unambiguous."""
    run = RunDir(handmade_run)
    for slug in ("small-cnn", "resnet18"):
        rows = rows_of(handmade_run, slug)
        columns = list(rows[0])
        for i, row in enumerate(rows):
            top = 0.5 + 0.05 * ((i * 5) % 9)  # 0.5 ... 0.9, a different value per row
            for c, k in enumerate(columns[3:]):
                row[k] = top if c == int(row["pred"]) else (1 - top) / 2
        write_csv(run.model(slug).predictions, columns, [[row[k] for k in columns] for row in rows])
    return handmade_run


@pytest.mark.slow
def test_galleries_and_cases_match_predictions_csv(graded_run):
    a = analyse(graded_run)
    classes = a.dataset.classes
    for m in a.models:
        rows = rows_of(graded_run, m.slug)
        e = m.explanation
        shown = [*e.cases, *e.per_class, *(c for g in e.gallery for c in g.images)]
        for c in shown:  # each image's labels and confidence are its row of predictions.csv
            row = rows[c.index]
            assert (c.true_label, c.pred_label) == (classes[int(row["label"])], classes[int(row["pred"])])
            assert c.confidence == pytest.approx(confidence_of(row))
        assert [g.true_label + g.pred_label for g in e.gallery] == [
            p.true_label + p.pred_label for p in m.diagnostics.confused_pairs]
        for g in e.gallery:
            wrong = [i for i, r in enumerate(rows) if (classes[int(r["label"])], classes[int(r["pred"])])
                     == (g.true_label, g.pred_label)]
            assert g.count == len(wrong)
            expected = sorted(wrong, key=lambda i: (-confidence_of(rows[i]), i))[:GALLERY_PER_PAIR]
            assert [c.index for c in g.images] == expected
        assert [c.true_label == c.pred_label for c in e.cases] == [f.correct for f in m.feature_maps]
        assert [c.index for c in e.cases] == [f.index for f in m.feature_maps]
        assert e.figures == {name: f"model/{m.slug}/cam-{name}" for name in ("cases", "per_class", "gallery")}
    for lang in LANGUAGES:  # every number a sentence states is a fact of analysis.json, formatted for the language
        cx = Context(a, lang)
        sentences = [s for m in a.models for part in (overview, case_sentences, gallery_sentences)
                     for s in part(cx, m)]
        sentences += [s for d in a.disagreements for s in disagreement_sentences(cx, d)]
        assert sentences and all(set(numbers(s)) <= fact_numbers(a, Formatter(lang)) for s in sentences)
    for lang in LANGUAGES:  # the sentences state the gallery's numbers, formatted for the language
        doc = build_document(a, lang)
        text = " ".join(sentence for key in ("cases", "per_class", "gallery")
                        for sentence in doc.sentences(f"text-cam-{key}-small-cnn"))
        for c in a.models[0].explanation.gallery[0].images:
            assert Formatter(lang).percent(c.confidence) in text
        # the body keeps the feature-map cases; per class and the gallery are the appendix's
        folder = graded_run / "figures" / lang / "model" / "small-cnn"
        body, detail = doc.find("explanation-small-cnn"), doc.find("explanation-detail-small-cnn")
        assert [f.path for f in body.nodes() if isinstance(f, Figure)] == [folder / "cam-cases.png"]
        assert [f.path for f in detail.nodes() if isinstance(f, Figure)] == [
            folder / f"cam-{name}.png" for name in ("per_class", "gallery")]
        assert detail in doc.find("appendix-explanation").subsections
        assert doc.find("appendix-explanation") and doc.find("appendix-disagreements")


@pytest.mark.slow
def test_disagreement_counts_are_the_discordant_counts(graded_run):
    a = analyse(graded_run)
    (d,) = a.disagreements
    assert (d.a, d.b) == ("Small CNN", "ResNet18")  # the baseline first
    labels = [int(r["label"]) for r in rows_of(graded_run, "small-cnn")]
    preds = {slug: [int(r["pred"]) for r in rows_of(graded_run, slug)] for slug in ("small-cnn", "resnet18")}
    assert labels == TRUE and preds == {"small-cnn": CNN_PRED, "resnet18": RESNET_PRED}
    a_right, b_right = discordant(labels, preds["small-cnn"], preds["resnet18"])
    assert (d.a_only, d.b_only, d.n) == (int(a_right.sum()), int(b_right.sum()), len(labels)) == (3, 1, 9)
    assert {i.a.index for i in d.a_right} <= set(np.flatnonzero(a_right))
    assert {i.a.index for i in d.b_right} == set(np.flatnonzero(b_right))
    for item in d.a_right + d.b_right:
        assert item.a.index == item.b.index
        assert (item.a.pred_label, item.b.pred_label) == (
            a.dataset.classes[preds["small-cnn"][item.a.index]], a.dataset.classes[preds["resnet18"][item.a.index]])
    text = " ".join(build_document(a, "en").sentences("text-disagreement-resnet18"))
    assert "right and ResNet18 wrong on 3, the reverse on 1" in text


def test_a_hundred_classes_stay_within_the_bounds(make_run):
    raw = copy.deepcopy(HANDMADE)
    raw["data"].update(num_classes=100, samples_per_class=8)
    raw["models"] = [{"arch": "cnn", "label": label, "params": {"conv_filters": [4, 8, 8], "fc_neurons": 16}}
                     for label in ("Small CNN", "Other CNN", "Third CNN")]
    exp = validate_experiment(raw, "hundred")
    labels = load_dataset(exp.data, exp.train.seed).eval.labels.tolist()
    rng = np.random.default_rng(0)
    predictions = {label: [y if rng.random() < 0.5 else int(rng.integers(100)) for y in labels]
                   for label in ("Small CNN", "Other CNN", "Third CNN")}
    history = history_rows([.5, .6], [.4, .5], [1.0, .9], [1.1, 1.0])
    run_dir = make_run(predictions, {label: history for label in predictions}, raw=raw)
    run = RunDir(run_dir)
    data = load_dataset(exp.data, exp.train.seed)
    classes = data.classes
    models = [model_facts(spec, run.model(spec.slug), classes, 16) for spec in exp.models]
    for m in models:
        m.diagnostics = diagnose(m, len(labels))
    evaluated = {m.label: read_predictions(run.model(m.slug)) for m in models}
    disagreements = explain_models(models, evaluated, run, exp, classes, 16, data, "Small CNN")
    for m in models:
        e = m.explanation
        assert e.classes_shown == CAM_CLASSES == 10 and len(e.per_class) <= 2 * CAM_CLASSES
        assert len(e.gallery) <= 3 and all(len(g.images) <= GALLERY_PER_PAIR for g in e.gallery)
    assert [(d.a, d.b) for d in disagreements] == [("Small CNN", "Other CNN"), ("Small CNN", "Third CNN")]
    assert all(len(d.a_right) <= DISAGREEMENTS_PER_KIND and len(d.b_right) <= DISAGREEMENTS_PER_KIND
               for d in disagreements)
    ids = [i for m in models for i in m.explanation.figures.values()] + [d.figure for d in disagreements]
    assert len(ids) == 3 * len(models) + len(disagreements)  # 11 figures, not hundreds
    stored = files.load_arrays(files.cam_data(run, models[0].slug))
    assert len(stored["index"]) == len(stored["image"]) == len(stored["map"]) <= 2 * CAM_CLASSES + 3 * 3 + 2 * 3
