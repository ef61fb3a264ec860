"""The wording rules, each in Indonesian and English: lists with "dan"/"and", a single model
presented rather than compared, vectors of decimals, differences in words, "tahap" and "detik",
one name for the training log, one curve per caption, no registry ids and no English notes in an
Indonesian report, result cards in the order train → validation → test with no metric twice.
Hand-made runs (no training) and direct Formatter calls."""

import io
import json
import re

import pytest
from pptx import Presentation

from reportgen.analysis import analyse, load_analysis
from reportgen.config import validate_experiment
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.models.registry import ARCHITECTURES
from reportgen.renderers.html import render_html
from reportgen.renderers.deck import render_pptx
from reportgen.report import build_document
from reportgen.report.comparison import comparison_sentences
from reportgen.report.context import Context
from reportgen.report.discussion import conclusion_sentences
from reportgen.report.explanation import feature_case_sentences
from helpers import CNN_PRED, HANDMADE, HANDMADE_HISTORIES, history_rows
from helpers import LABELS, analysis_of, text_of, wrong_on

LANGS = ["id", "en"]
HIST = history_rows([.5, .6, .7, .75, .8, .82], [.5, .55, .65, .7, .78, .80],
                    [1.0, .9, .8, .7, .6, .55], [1.1, 1.0, .9, .85, .8, .78])


def one_model_run(make_run, labelled: bool = True):
    """The hand-made run's CNN alone; unlabelled, it is keyed by its arch id ("cnn") and named by its
    architecture ("CNN Kustom")."""
    raw = json.loads(json.dumps(HANDMADE))
    model = dict(HANDMADE["models"][0])
    if not labelled:
        del model["label"]
    raw["models"], raw["report"]["baseline"] = [model], None
    label = model.get("label", "cnn")
    return make_run(raw=raw, predictions={label: CNN_PRED}, histories={label: HIST})


# --- lists ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang,two,three", [("id", "a dan b", "a, b, dan c"), ("en", "a and b", "a, b, and c")])
def test_listing_joins_the_last_name_with_and(lang, two, three):
    f = Formatter(lang)
    assert (f.listing(["a"]), f.listing(["a", "b"]), f.listing(["a", "b", "c"])) == ("a", two, three)


@pytest.mark.slow
@pytest.mark.parametrize("lang,models", [("id", "Small CNN dan ResNet18"), ("en", "Small CNN and ResNet18")])
def test_prose_lists_the_models_with_and(analysed_run, lang, models):
    doc = build_document(load_analysis(analysed_run), lang)
    introduction, objectives = doc.sentences("text-introduction"), doc.sentences("list-objectives")
    assert models in introduction[0] and models in objectives[0]
    assert "Small CNN, ResNet18" not in " ".join(introduction + objectives)


@pytest.mark.parametrize("lang,others", [("id", "Beta, Delta, dan Gamma"), ("en", "Beta, Delta, and Gamma")])
def test_tied_models_are_listed_with_and(lang, others):
    """Four models with identical predictions: the conclusion names the three tied with the leader."""
    a = analysis_of(LABELS, {name: LABELS for name in ("Alfa", "Beta", "Gamma", "Delta")})
    assert others in conclusion_sentences(Context(a, lang))[0]


# --- one model -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang,presents,compares", [("id", "Laporan ini menyajikan Small CNN", "membandingkan"),
                                                    ("en", "This report presents Small CNN", "compare")])
def test_a_single_model_report_presents_rather_than_compares(make_run, lang, presents, compares):
    doc = build_document(analyse(one_model_run(make_run)), lang)
    introduction = doc.sentences("text-introduction")
    assert introduction[0].startswith(presents)
    assert not any(compares in s.lower() for s in introduction + doc.sentences("list-objectives"))


# --- vectors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang,half,cifar", [("id", "(0,5; 0,5; 0,5)", "(0,4914; 0,4822; 0,4465)"),
                                             ("en", "(0.5, 0.5, 0.5)", "(0.4914, 0.4822, 0.4465)")])
def test_vectors_separate_decimals_and_drop_trailing_zeros(analysed_run, lang, half, cifar):
    f = Formatter(lang)
    assert (f.vector([0.5] * 3), f.vector([0.4914, 0.4822, 0.4465]), f.vector([1.0, 0.25])) == (
        half, cifar, "(1; 0,25)" if lang == "id" else "(1, 0.25)")
    a = load_analysis(analysed_run)
    a.dataset.normalize_mean = a.dataset.normalize_std = [0.5] * 3
    normalisation = dict(build_document(a, lang).table("table-dataset").rows)[Phrases(lang)("ui.dataset.normalize")]
    assert half in normalisation and "[" not in normalisation


# --- differences in words ------------------------------------------------------------------------

@pytest.mark.parametrize("lang,lower,more", [("id", "22,22 pp lebih rendah daripada Small CNN",
                                              "dengan jumlah parameter {} lebih banyak"),
                                             ("en", "22.22 pp lower than Small CNN", "with {} more parameters")])
def test_the_delta_to_the_baseline_is_said_in_words(analysed_run, lang, lower, more):
    a = load_analysis(analysed_run)
    (delta,) = [d for d in a.comparison.deltas if d.label == "ResNet18"]
    delta.params_pct = 96.7
    sentence = next(s for s in comparison_sentences(Context(a, lang)) if s.startswith("ResNet18"))
    assert lower in sentence
    assert more.format(Formatter(lang).change_pct(delta.params_pct, signed=False)) in sentence
    assert not re.search(r"[−+]\d", sentence) and "perubahan" not in sentence and "change" not in sentence


@pytest.mark.parametrize("lang,same,equal", [("id", "dengan jumlah parameter yang sama", "sama dengan A"),
                                             ("en", "with the same number of parameters", "the same as A")])
def test_equal_accuracy_and_parameters_are_said_as_such(lang, same, equal):
    """Two models with the same predictions and parameter count: no "0,00 pp", no "0,0%"."""
    a = analysis_of(LABELS, {"A": LABELS, "B": LABELS})
    a.models[1].params = a.models[0].params
    a.comparison.deltas[1].params_pct = 0.0
    sentence = next(s for s in comparison_sentences(Context(a, lang)) if s.startswith("B "))
    assert same in sentence and equal in sentence and not re.search(r"\b0[.,]00? ?(pp|%)", sentence)


@pytest.mark.parametrize("lang,times", [("id", "dengan jumlah parameter 49,1 kali lipat"),
                                        ("en", "with 49.1 times as many parameters")])
def test_twice_as_many_parameters_or_more_are_said_as_a_factor(lang, times):
    """"4.809,6% lebih banyak" leaves the reader to divide: from twice as many on, the factor."""
    a = analysis_of(LABELS, {"A": LABELS, "B": LABELS})
    a.comparison.deltas[1].params_pct = 4809.6
    sentence = next(s for s in comparison_sentences(Context(a, lang)) if s.startswith("B "))
    assert times in sentence and "4.809" not in sentence and "4,809" not in sentence


@pytest.mark.parametrize("lang,fewer", [("id", "dengan jumlah parameter 50,0% lebih sedikit"),
                                        ("en", "with 50.0% fewer parameters")])
def test_fewer_parameters_are_said_as_fewer(lang, fewer):
    a = analysis_of(LABELS, {"A": LABELS, "B": LABELS})
    a.comparison.deltas[1].params_pct = -50.0
    assert fewer in next(s for s in comparison_sentences(Context(a, lang)) if s.startswith("B "))


@pytest.mark.parametrize("lang,equal", [("id", "Akurasi ResNet-34 sama dengan Plain-34"),
                                        ("en", "The accuracy of ResNet-34 is the same as Plain-34")])
def test_an_equal_degradation_result_is_said_as_equal(lang, equal):
    a = analysis_of(LABELS, {"Plain-34": LABELS, "ResNet-34": LABELS},
                    archs={"Plain-34": "plain34", "ResNet-34": "resnet34"})
    text = " ".join(conclusion_sentences(Context(a, lang)))
    assert equal in text and "0,00 pp" not in text and "0.00 pp" not in text


@pytest.mark.parametrize("lang,higher", [("id", "Akurasi ResNet-34 2,78 pp lebih tinggi daripada Plain-34"),
                                         ("en", "The accuracy of ResNet-34 is 2.78 pp higher than Plain-34")])
def test_a_degradation_difference_is_said_in_words(lang, higher):
    a = analysis_of(LABELS, {"Plain-34": wrong_on(range(1)), "ResNet-34": LABELS},
                    archs={"Plain-34": "plain34", "ResNet-34": "resnet34"})
    assert higher in " ".join(conclusion_sentences(Context(a, lang)))


# --- tahap, detik, the training log, curve captions ----------------------------------------------

@pytest.mark.parametrize("lang,early,late", [("id", "Tahap awal (", "Tahap akhir ("),
                                             ("en", "The early stage (", "The late stage (")])
def test_feature_map_stages_are_tahap(analysed_run, lang, early, late):
    a = load_analysis(analysed_run)
    notes = feature_case_sentences(Context(a, lang), a.models[0], a.models[0].feature_maps[0])
    assert notes[1].startswith(early) and notes[2].startswith(late)
    assert not any("Stage" in n or "stage akhir" in n for n in notes) or lang == "en"


@pytest.mark.parametrize("lang,shown,header", [("id", "45,1 detik", "Waktu (detik)"), ("en", "45.1 s", "Time (s)")])
def test_seconds_are_detik_in_indonesian(analysed_run, lang, shown, header):
    assert Formatter(lang).seconds(45.08) == shown
    doc = build_document(load_analysis(analysed_run), lang)
    assert header in doc.table("table-comparison").header
    unit = shown.split()[1]
    times = [s for s in doc.sentences("text-comparison") if s.startswith(("Waktu", "Training time"))]
    assert times and all(re.search(rf"\d {unit}\b", s) for s in times)


@pytest.mark.parametrize("lang,log", [("id", "Log Pelatihan Model"), ("en", "Training Log")])
def test_the_training_log_has_one_name(lang, log):
    assert Phrases(lang)("deck.training_log") == log


@pytest.mark.parametrize("lang,loss,accuracy", [("id", "Kurva loss Small CNN", "Kurva akurasi Small CNN"),
                                                ("en", "Loss curves of Small CNN", "Accuracy curves of Small CNN")])
def test_each_curve_caption_names_its_curve(make_run, lang, loss, accuracy):
    """A model alone has a pair of curve figures (compared models share one figure)."""
    raw = json.loads(json.dumps(HANDMADE))
    raw["models"] = raw["models"][:1]
    run = make_run(raw=raw, predictions={"Small CNN": CNN_PRED}, histories={"Small CNN": HANDMADE_HISTORIES["Small CNN"]})
    doc = build_document(load_analysis(run), lang)
    assert doc.figure("figure-curves") is None
    assert (doc.figure("figure-loss-small-cnn").caption, doc.figure("figure-accuracy-small-cnn").caption) == (
        loss, accuracy)


# --- registry ids and notes ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_every_architecture_has_a_name_for_readers(lang):
    t = Phrases(lang)
    for arch in ARCHITECTURES:
        name = t(f"ui.arch.{arch}")
        assert name and name != arch and "_" not in name


@pytest.mark.parametrize("lang,cnn,resnet", [("id", "CNN Kustom", "ResNet-18 (CIFAR)"),
                                             ("en", "Custom CNN", "ResNet-18 (CIFAR)")])
def test_an_unlabelled_model_is_named_by_its_architecture(make_run, lang, cnn, resnet):
    exp = validate_experiment({"name": "t", "report": {"language": lang}, "data": {"dataset": "synthetic"},
                               "models": [{"arch": "cnn"}, {"arch": "resnet18_cifar"}]}, "t")
    assert [m.name(lang) for m in exp.models] == [cnn, resnet]
    assert [m.label for m in exp.models] == ["cnn", "resnet18_cifar"]  # the key, in either language
    assert build_document(analyse(one_model_run(make_run, labelled=False)), lang).deck.models[0].name == cnn


@pytest.mark.parametrize("lang,note", [("id", "Tidak ada prediksi"), ("en", "No predictions")])
def test_model_notes_are_in_the_report_language(handmade_run, lang, note):
    (handmade_run / "resnet18" / "predictions.csv").unlink()
    t = Phrases(lang)
    notes = build_document(analyse(handmade_run), lang).sentences("text-notes-resnet18")
    assert notes == [f"{t('ui.note')}: {t('narrative.note.no_predictions')}"] and note in notes[0]


# --- result cards and the comparison table -------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_cards_read_train_validation_test(analysed_run, lang):
    t = Phrases(lang)
    doc = build_document(load_analysis(analysed_run), lang)
    order = [t("ui.stat.train_acc"), t("ui.stat.val_acc"), t("ui.stat.eval_acc_test")]
    assert [s.label for s in doc.deck.models[0].cards] == order + [t("ui.stat.macro_f1")]
    assert len(doc.deck.cards) == 2 and all([s.label for s in cards.stats] == order for cards in doc.deck.cards)
    # On the deck's result slide the cards read the same way, top to bottom.
    title = t("deck.accuracy_cards")
    slide = next(s for s in Presentation(io.BytesIO(render_pptx(doc))).slides
                 if any(x.has_text_frame and x.text_frame.text == title for x in s.shapes))
    labels = {s.text_frame.paragraphs[-1].text.split(" · ")[0]: s.top for s in slide.shapes
              if s.has_text_frame and len(s.text_frame.paragraphs) == 2}
    assert sorted(order, key=labels.__getitem__) == order


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_without_a_test_split_each_metric_is_shown_once(analysed_run, lang):
    t = Phrases(lang)
    a = load_analysis(analysed_run)
    a.dataset.eval_split, a.dataset.test_size = "val", 0
    doc = build_document(a, lang)
    labels = [s.label for s in doc.deck.models[0].cards]
    assert labels == [t("ui.stat.train_acc"), t("ui.stat.val_acc"), t("ui.stat.macro_f1")]
    header = [h.split(" [")[0] for h in doc.table("table-comparison").header]
    assert len(header) == len(set(header))
    assert t("narrative.split.val") in doc.table("table-comparison").title


# --- a whole Indonesian report -------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("single", [False, True])
def test_an_indonesian_report_has_none_of_the_forbidden_forms(make_run, handmade_run, single):
    """The hand-made run's report, and that of its CNN alone and unlabelled."""
    run = one_model_run(make_run, labelled=False) if single else handmade_run
    doc = build_document(analyse(run), "id")
    # the model code appendix quotes the source, whose names are the registry's
    doc.appendix = [part for part in doc.appendix if part.id != "appendix-code"]
    page = text_of(render_html(doc))
    for form in (" s ", " s.", "Stage ", "Log Training", "pp dibanding", "perubahan jumlah parameter",
                 "(s)", "Akurasi evaluasi", "(Loss)", "(Akurasi)", "mean = [", "no predictions", "dataset not"):
        assert form not in page, form
    ids = re.search(r"\b(?:{})\b".format("|".join(ARCHITECTURES)), page)
    assert not ids, page[ids.start() - 300:ids.end() + 50]
    assert not re.search(r"\w, [\w-]+ dan ", page)  # "a, b, dan c", never "a, b dan c"
    assert ("membandingkan" in page.lower()) is not single
