"""Language only at render time: a run analysed in Indonesian renders in English with every word
English, its unlabelled models' names included, and its folders named the same in both; a
document's figures are drawn on its first render in a language and reused after, until the
analysis changes; a figure whose data is gone, or whose every map is zero or not a finite number,
is one sentence, never a failure or a re-analysis."""

from __future__ import annotations

import base64
import errno
import json
import shutil
from pathlib import Path

import pytest
import torch

import reportgen.analysis.pipeline
from helpers import (CNN_PRED, HANDMADE, RESNET_PRED, documents_figures, foreign, history_rows, names_of, painted_figures,
                     text_of)
from reportgen.analysis import analyse, load_analysis
from reportgen.analysis.explain import cam_facts
from reportgen.api import render
from reportgen.config import validate_experiment
from reportgen.figures import cache, files, style
from reportgen.figures.cache import painted
from reportgen.language.phrases import Phrases
from reportgen.renderers.html import render_html
from reportgen.report import build_document
from reportgen.rundir import RunDir, load_torch, save_torch

HISTORIES = {
    "cnn": history_rows([.5, .6, .7, .75], [.5, .55, .65, .7], [1.0, .9, .8, .7], [1.1, 1.0, .9, .85]),
    "resnet18_cifar": history_rows([.6, .8, .9, .95], [.5, .6, .62, .6], [.9, .5, .3, .2], [1.0, .8, .9, 1.4]),
}


def unlabelled(lang: str) -> dict:
    """The hand-made experiment in `lang`, its two models unlabelled (named by their architecture)."""
    raw = json.loads(json.dumps(HANDMADE))
    raw["report"]["language"], raw["report"]["baseline"] = lang, "CNN Kustom"  # the name, in either language
    for model in raw["models"]:
        del model["label"]
    return raw


@pytest.fixture
def indonesian_run(make_run):
    return make_run({"cnn": CNN_PRED, "resnet18_cifar": RESNET_PRED}, HISTORIES, unlabelled("id"))


def test_an_unlabelled_models_folder_and_key_are_the_same_in_both_languages():
    for lang in ("id", "en"):
        exp = validate_experiment(unlabelled(lang), "t")
        assert [(m.label, m.slug) for m in exp.models] == [("cnn", "cnn"), ("resnet18_cifar", "resnet18-cifar")]
        assert exp.report.baseline == "cnn" and all(m.default_label for m in exp.models)
        assert [m.name(lang) for m in exp.models] == [Phrases(lang)(f"ui.arch.{m.arch}") for m in exp.models]


def test_a_label_that_another_models_name_would_take_in_a_language_is_refused():
    raw = unlabelled("id")
    raw["models"][1]["label"] = "Custom CNN"  # the English name of the unlabelled cnn
    with pytest.raises(Exception, match="'Custom CNN' would name two models in a report in 'en'"):
        validate_experiment(raw, "t")


@pytest.mark.slow
def test_an_indonesian_run_rendered_in_english_names_every_model_and_figure_in_english(indonesian_run, recorder):
    a = analyse(indonesian_run)
    assert [(m.label, m.default_label) for m in a.models] == [("cnn", True), ("resnet18_cifar", True)]
    assert (indonesian_run / "cnn").is_dir() and (indonesian_run / "resnet18-cifar").is_dir()
    doc = build_document(a, "en")
    english = ["Custom CNN", Phrases("en")("ui.arch.resnet18_cifar")]
    assert [ms.name for ms in doc.deck.models] == english and doc.deck.cards[0].heading == "Custom CNN"
    text = text_of(render_html(doc))
    assert "Custom CNN" in text and "CNN Kustom" not in text  # (the code listing names its function resnet18_cifar)
    shown = documents_figures(doc)
    assert shown and all(figure.path for figure in shown) and set(recorder.texts) == {f.path for f in shown}
    for path, texts in recorder.texts.items():
        assert foreign(texts, "en", names_of(a, "en")) == [], path
        assert not any("CNN Kustom" in text or "cnn" == text for text in texts), path
    panels = recorder.texts[next(p for p in recorder.texts if p.parent.name == "comparison" and p.stem == "curves")]
    assert set(english) <= set(panels)  # a panel per model, titled with its name
    # the same analysis in Indonesian names the model in Indonesian, in its figures too
    indonesian = build_document(a, "id")
    assert indonesian.deck.models[0].name == "CNN Kustom"
    assert "CNN Kustom" in recorder.texts[painted(indonesian.figure("figure-confusion-cnn").path)]


@pytest.mark.slow
def test_a_second_render_draws_nothing_and_a_changed_analysis_redraws(handmade_run, recorder):
    analyse(handmade_run)
    first = build_document(load_analysis(handmade_run), "en")
    assert recorder.texts == {}  # built, not yet read: nothing painted
    shown = painted_figures(first)
    drawn = set(recorder.texts)
    assert drawn == {figure.path for figure in shown} and all(path.is_file() for path in drawn)
    recorder.texts.clear()
    second = build_document(load_analysis(handmade_run), "en")
    painted_figures(second)
    assert recorder.texts == {} and documents_figures(second) == documents_figures(first)
    stored = json.loads((handmade_run / "analysis.json").read_text())
    stored["models"][0]["history"]["train_loss"][0] = 1.25  # any change to the facts
    (handmade_run / "analysis.json").write_text(json.dumps(stored))
    painted_figures(build_document(load_analysis(handmade_run), "en"))
    assert set(recorder.texts) == drawn
    # a cached figure deleted by hand is drawn again by the next render, nothing else
    recorder.texts.clear()
    gone = first.figure("figure-curves").path
    gone.unlink()
    painted_figures(build_document(load_analysis(handmade_run), "en"))
    assert set(recorder.texts) == {gone} and gone.is_file()


@pytest.mark.slow
def test_a_run_directory_that_cannot_take_figures_still_renders(handmade_run):
    """As a read-only copy (tests may run as root, whom permissions do not stop): a file where the
    figures' folder would be."""
    analyse(handmade_run)
    (handmade_run / "figures").write_text("not a folder")
    doc = build_document(load_analysis(handmade_run), "en")
    paths = [figure.path for figure in painted_figures(doc)]
    assert paths and all(p.is_file() and p.is_relative_to(cache.scratch()) for p in paths)
    assert (handmade_run / "figures").read_text() == "not a folder"


def test_a_run_directory_that_stops_taking_figures_mid_render_gets_the_rest_elsewhere(analysed_run, monkeypatch):
    """A disk that fills after the document was built: the figures still to paint go to this process's
    scratch folder, and the page shows them."""
    cached = analysed_run / "figures" / "en"
    for name in ("comparison/curves.png", "dataset/distribution.png"):
        (cached / name).unlink()
    doc = build_document(load_analysis(analysed_run), "en")
    promised = [doc.figure(id).path for id in ("figure-curves", "figure-class-distribution")]
    assert promised == [cached / "comparison/curves.png", cached / "dataset/distribution.png"]
    assert not any(path.exists() for path in promised)  # checked, not painted
    write = style.atomic_write_bytes

    def disk_full(target: Path, data: bytes) -> None:
        if target.is_relative_to(analysed_run):
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        write(target, data)

    monkeypatch.setattr(style, "atomic_write_bytes", disk_full)
    page = render_html(doc)
    for path in promised:
        moved = painted(path)
        assert moved.is_relative_to(cache.scratch()) and moved.is_file() and not path.exists()
        assert base64.b64encode(moved.read_bytes()).decode("ascii") in page


def test_a_document_of_an_earlier_analysis_paints_its_own_figures(analysed_run):
    """Built before the analysis changed, painted after the next document was built: the folder stays
    the earlier analysis's, and the later document paints elsewhere."""
    shutil.rmtree(analysed_run / "figures" / "en")
    earlier = load_analysis(analysed_run)
    first = build_document(earlier, "en")
    stored = json.loads((analysed_run / "analysis.json").read_text())
    stored["models"][0]["history"]["train_loss"][0] = 1.25
    (analysed_run / "analysis.json").write_text(json.dumps(stored))
    second = build_document(load_analysis(analysed_run), "en")
    mine, theirs = first.figure("figure-curves").path, second.figure("figure-curves").path
    assert mine.is_relative_to(analysed_run / "figures" / "en") and theirs.is_relative_to(cache.scratch())
    assert painted(mine).read_bytes() != painted(theirs).read_bytes()
    assert (analysed_run / "figures" / "en" / cache.STAMP).read_text() == cache.stamp_of(earlier)


@pytest.mark.slow
def test_a_run_without_its_figure_data_renders_with_one_sentence_per_figure(handmade_run, monkeypatch):
    analyse(handmade_run)
    shutil.rmtree(handmade_run / files.DATA)
    monkeypatch.setattr(reportgen.analysis.pipeline, "analyse_files",
                        lambda *_: pytest.fail("rendering re-analysed the run"))
    t = Phrases("en")
    page = " ".join(text_of(render(handmade_run, "html", lang="en").read_text()).split())
    doc = build_document(load_analysis(handmade_run), "en")
    absent = [figure for figure in documents_figures(doc) if figure.path is None]
    # the samples, and per model two feature-map cases and three Grad-CAM figures, and the disagreement
    assert len(absent) == 1 + 2 * (2 + 3) + 1
    for figure in absent:
        assert figure.caption in figure.absent and f"({files.DATA}/" in figure.absent
        assert " ".join(figure.absent.split()) in page
    assert t("figure.absent.no_data", file="figure-data/samples.npz") in page
    assert t("figure.absent.no_data", file="figure-data/small-cnn/cams.npz") in page
    assert t("figure.absent.no_data", file="figure-data/resnet18/featuremaps-wrong.npz") in page


def test_a_map_all_zero_or_not_finite_is_neither_measured_nor_drawn():
    prediction = ([0, 1], [0, 1], [[0.9, 0.1], [0.2, 0.8]])
    for cam, issue in ((torch.zeros(4, 4).numpy(), "all_zero"), (torch.full((4, 4), float("nan")).numpy(), "not_finite"),
                       (torch.tensor([[0.0, 1.0], [float("inf"), 0.5]]).numpy(), "not_finite")):
        facts = cam_facts(1, prediction, ["a", "b"], cam)
        assert (facts.map_issue, facts.top_share, facts.peak) == (issue, None, None)
    spot = torch.zeros(4, 4)
    spot[1, 2] = 0.5
    facts = cam_facts(0, prediction, ["a", "b"], spot.numpy())
    assert (facts.map_issue, facts.top_share, facts.peak) == (None, 1.0, [0.375, 0.625])


def broken(run, slug: str, edit) -> None:
    """best.pt of a model with its weights edited in place."""
    path = run / slug / "best.pt"
    state = load_torch(path)
    edit(state["model"])
    save_torch(path, state)


@pytest.mark.slow
def test_all_nan_and_all_zero_grad_cam_maps_are_not_drawn_and_are_explained(handmade_run, recorder):
    """The CNN's first convolution made NaN: its activations and maps are not finite. ResNet18's
    classifier made zero: its logits do not depend on the image, so every map is zero."""
    broken(handmade_run, "small-cnn", lambda weights: weights["conv1.0.weight"].fill_(float("nan")))
    broken(handmade_run, "resnet18", lambda weights: weights["fc.weight"].zero_())
    a = analyse(handmade_run)
    cnn, resnet = a.models
    assert {c.map_issue for c in cnn.explanation.cases + cnn.explanation.per_class} == {"not_finite"}
    assert {c.map_issue for c in resnet.explanation.cases + resnet.explanation.per_class} == {"all_zero"}
    assert cnn.explanation.median_top_share is None and resnet.explanation.median_top_share is None
    assert [c.issue for c in cnn.feature_maps] == ["not_finite"] * 2 and all(c.issue is None for c in resnet.feature_maps)
    assert all(s.mean is None for c in cnn.feature_maps for s in c.stages)
    assert "NaN" not in (handmade_run / "analysis.json").read_text()
    for lang in ("id", "en"):
        t = Phrases(lang)
        doc = build_document(a, lang)
        page = " ".join(text_of(render_html(doc)).split())
        figures = {figure.id: figure for figure in documents_figures(doc)}
        # every map of both models unusable: no Grad-CAM figure of either, and the overview says why
        assert not [id for id in figures if id.startswith("figure-cam-")]
        why = t("explain.narrative.summary_empty", maps="\x00").split("\x00")[1]
        assert page.count(" ".join(why.split())) == 2
        for kind in ("correct", "wrong"):
            cnn_case, resnet_case = (figures[f"figure-featuremaps-{kind}-{slug}"] for slug in ("small-cnn", "resnet18"))
            assert cnn_case.path is None and t("figure.absent.features_not_finite") in cnn_case.absent
            assert resnet_case.path
        (d,) = [f for id, f in figures.items() if id.startswith("figure-disagreement-")]
        assert d.path is None and t("figure.absent.maps_unusable") in d.absent
    assert not any(path.name.startswith("cam-") or path.parent.parent.name == "disagreement"
                   for path in recorder.texts)


@pytest.mark.slow
def test_a_figure_with_some_maps_unusable_says_so_in_their_boxes(handmade_run, recorder):
    """Another map of a figure made zero: its box holds the reason, the usable ones are drawn."""
    a = analyse(handmade_run)
    cnn = a.models[0]
    items = cnn.explanation.per_class
    usable = [c for c in items if c.map_issue is None]
    assert len(usable) >= 2
    usable[0].map_issue, usable[0].top_share, usable[0].peak = "all_zero", None, None
    path = files.cam_data(RunDir(handmade_run), cnn.slug)
    data = files.load_arrays(path)
    data["map"][list(data["index"]).index(usable[0].index)] = 0
    files.save_arrays(path, **data)
    unusable = sum(c.map_issue is not None for c in items)
    for lang in ("id", "en"):
        doc = build_document(a, lang)
        figure = doc.figure(f"figure-cam-per_class-{cnn.slug}")
        assert figure.path is not None
        texts = recorder.texts[painted(figure.path)]
        assert texts.count(Phrases(lang)("explain.figure.no_map.all_zero")) == unusable
        assert len(texts) == len(items) + unusable  # every tile's title, and a note in each box without a map
