"""Verdicts that know their sample size (overfitting, val-loss rise, stability,
activations, best and worst classes), named failure modes (diverged, collapsed), the monitored
metric named as such, and a search trial's real status. Hand-made runs, no training, except the
two pruning checks (one epoch of a tiny CNN)."""

import json
import re

import optuna
import pytest

from helpers import CNN_PRED, HANDMADE, TINY, TUNE_TABLE, history_rows
from reportgen.analysis import analyse, load_analysis
from reportgen.analysis.diagnostics import diagnose
from reportgen.analysis.states import COLLAPSE_SHARE
from reportgen.schema.analysis import ClassMetrics, FeatureMapCase, StageActivation, Tuning, TuningTrial
from reportgen.config import load_experiment
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.metrics import classification_metrics
from reportgen.progress import Reporter
from reportgen.report import build_document
from reportgen.analysis.verdicts import ACTIVE_CHANGE_PP, LARGER_FACTOR, SLOWER_FACTOR, SPARSE_SHARE, activity, judge
from reportgen.report.confusion import confusion_sentences
from reportgen.report.context import Context
from reportgen.report.explanation import feature_case_sentences
from reportgen.report.results import curve_sentences
from reportgen.analysis.facts import read_metrics
from reportgen.rundir import RunDir
from reportgen.runner import run_experiment, start_run
from reportgen.tune import write_summary

LANGS = ["id", "en"]
# The verdicts the report words, by where they are in analysis.json (reportgen/analysis/verdicts.py).
FLAT = history_rows([.5] * 6, [.5] * 6, [1] * 6, [1] * 6)


def pattern(key: str, lang: str) -> re.Pattern:
    """The phrase as a pattern, any text standing for each of its placeholders."""
    return re.compile(".*?".join(map(re.escape, re.split(r"\{[a-z_]+\}", Phrases(lang)(key)))))


def said(sentences: list[str], key: str, lang: str) -> bool:
    """Whether one of the sentences (or table cells) contains the phrase `key`."""
    return any(pattern(key, lang).search(s) for s in sentences)


def with_models(*models: dict) -> dict:
    raw = json.loads(json.dumps(HANDMADE))
    raw["models"] = list(models)
    raw["report"]["baseline"] = models[0]["label"]
    return raw


CNN = {"arch": "cnn", "params": {"conv_filters": [4, 8, 8], "fc_neurons": 16}}


def pair_run(make_run, preds=CNN_PRED, history=FLAT, calm_history=FLAT, **train):
    """Two tiny CNNs on the 9 hand-made test images: "Wild" (predictions, history and training
    overrides under test) and "Calm" (8 of 9 right, flat curves)."""
    raw = with_models({**CNN, "label": "Wild", **({"train": train} if train else {})}, {**CNN, "label": "Calm"})
    return make_run(raw=raw, predictions={"Wild": preds, "Calm": CNN_PRED},
                    histories={"Wild": history, "Calm": calm_history})


def closing(doc) -> list[str]:
    """The Diskusi's and the Kesimpulan's sentences."""
    return [s for key in ("", "-training", "-accuracy", "-modifications")
            for s in doc.sentences(f"list-discussion{key}")] + doc.sentences("list-conclusion")


def all_text(doc) -> list[str]:
    """Every sentence and table cell of the per-model sections, the training log and the Diskusi."""
    return [s for i in range(len(doc.deck.models)) for s in model_text(doc, i)] + closing(doc)


def model_text(doc, i: int) -> list[str]:
    """Model i's sentences and training-log cells, and the Diskusi's and Kesimpulan's sentences on it."""
    m = doc.deck.models[i]
    mentioned = [s for s in closing(doc) if m.name in s]
    return (doc.table("table-training-log").rows[i] + doc.sentences(f"text-curves-{m.key}")
            + doc.sentences(f"text-confusion-{m.key}") + mentioned)


# --- collapse ------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_a_model_that_predicts_one_class_is_called_collapsed(make_run, lang):
    run = pair_run(make_run, preds=[0] * 9)
    a = analyse(run)
    d = a.models[0].diagnostics
    assert (d.failure, d.top_pred_class, d.top_pred_share) == ("collapsed", "class_0", 1.0)
    assert set(d.collapse) == {"one_class", "chance"}  # 3 of 9 right: chance (1/3) is inside its interval
    assert a.models[1].diagnostics.failure is None
    doc = build_document(a, lang)
    confusion = doc.sentences("text-confusion-wild")
    assert said(confusion, "narrative.failure.one_class", lang)
    assert said(confusion, "narrative.failure.confusion_not_interpreted", lang)
    # neither its classes nor its confusions are read as if it had learned
    for key in ("narrative.confusion.best_classes", "narrative.confusion.worst_classes",
                "narrative.confusion.top_confusion", "narrative.confusion.classes_on_par"):
        assert not said(confusion, key, lang), key
    cases = [doc.sentences(f"text-featuremaps-{kind}-wild") for kind in ("correct", "wrong")]
    assert any(cases) and all(
        said(case, "narrative.failure.features_not_interpreted", lang)
        and not said(case, "narrative.features.early", lang) for case in cases if case)
    assert said(doc.sentences("list-discussion-training"), "narrative.state.collapsed", lang)
    # the Kesimpulan does not rank it silently
    assert said(doc.sentences("list-conclusion"), "narrative.verdict.not_learned", lang)
    assert said(doc.sentences("list-conclusion"), "narrative.state.collapsed", lang)
    assert not said(doc.sentences("text-confusion-calm"), "narrative.failure.one_class", lang)


def test_a_common_class_predicted_often_is_not_a_collapse(make_run):
    run = pair_run(make_run)
    m = analyse(run).models[0]
    # the same predictions, on a split that is 8/9 class_0: predicting it for 8/9 is no collapse
    cm = [[8, 0, 0], [0, 0, 0], [0, 0, 1]]
    skewed = m.model_copy(update={"confusion_matrix": cm, "accuracy": 1.0})
    d = diagnose(skewed, 9)
    assert d.top_pred_share == pytest.approx(8 / 9) and 8 / 9 > COLLAPSE_SHARE and "one_class" not in d.collapse


# --- divergence ----------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_a_rising_training_loss_is_divergence_with_no_overfitting_sentence(make_run, lang):
    # training accuracy far above validation (a 70 pp gap, beyond the noise of 9 images) and a
    # validation loss that rises: without the divergence these would read as overfitting
    rising = history_rows([.5, .7, .9, 1, 1, 1], [.1] * 5 + [.2], [3.27, 4, 5, 6, 7, 7.59], [1, .9, 1.2, 1.5, 2, 3])
    run = pair_run(make_run, history=rising, lr=50.0)
    a = analyse(run)
    d = a.models[0].diagnostics
    assert (d.failure, d.divergence) == ("diverged", ["train_loss_rising"])
    assert d.overfit is None and d.val_loss_rising is None and d.stable is None
    assert diagnose(falling(a.models[0]), 9).overfit is True  # the same gap without the divergence
    doc = build_document(a, lang)
    curves = doc.sentences("text-curves-wild")
    assert said(curves, "narrative.failure.diverged_train_loss", lang)
    assert said(curves, "narrative.failure.diverged_advice", lang) and "50" in curves[-1]
    text = model_text(doc, 0)
    for key in ("narrative.curves.overfit", "narrative.curves.no_overfit", "narrative.curves.overfit_insufficient",
                "narrative.curves.val_loss_rise", "narrative.curves.val_loss_rise_insufficient",
                "narrative.curves.stable", "narrative.curves.fluctuating", "narrative.discussion.overfit",
                "narrative.discussion.unstable"):
        assert not said(text, key, lang), key
    assert doc.table("table-training-log").rows[0][-2:] == [Phrases(lang)("ui.verdict.diverged")] * 2
    assert said(doc.sentences("list-discussion"), "narrative.failure.discussion_diverged", lang)
    assert said(doc.sentences("list-conclusion"), "narrative.verdict.not_learned", lang)
    assert said(doc.sentences("list-conclusion"), "narrative.state.diverged", lang)


def falling(m):
    """`m` with the same best-epoch accuracies and a training loss that falls: not diverged."""
    h = m.history
    losses = [1.0 - 0.1 * i for i in range(len(h.epoch))]
    return m.model_copy(update={"history": h.model_copy(update={"train_loss": losses, "val_loss": losses})})


def test_an_exploding_validation_loss_is_divergence(make_run):
    exploding = history_rows([.5, .6], [.5, .4], [1.0, .9], [2.3, 22824.0])
    run = pair_run(make_run, history=exploding)
    d = analyse(run).models[0].diagnostics
    assert (d.failure, d.divergence) == ("diverged", ["val_loss_exploding"])


def test_a_small_late_validation_loss_is_no_explosion(make_run):
    # 0.002 -> 0.03 is 15x its minimum, but far below the untrained start: overfitting, not divergence
    late = history_rows([.5, .9, 1, 1, 1, 1], [.5, .9, 1, 1, 1, 1], [2, .5, .1, .05, .02, .01],
                        [2.2, .5, .01, .002, .01, .03])
    run = pair_run(make_run, history=late)
    assert analyse(run).models[0].diagnostics.failure is None


# --- stability -----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_a_one_epoch_run_makes_no_stability_claim(make_run, lang):
    one = history_rows([.5], [.5], [1.0], [1.0])
    run = pair_run(make_run, history=one, calm_history=one)
    a = analyse(run)
    assert [m.diagnostics.stable for m in a.models] == [None, None]
    doc = build_document(a, lang)
    text = all_text(doc)
    for key in ("narrative.curves.stable", "narrative.curves.fluctuating", "narrative.curves.spikes",
                "narrative.discussion.unstable", "narrative.discussion.all_good", "ui.stable", "ui.unstable"):
        assert not said(text, key, lang), key
    too_short = Phrases(lang)("ui.verdict.too_short", epochs=1, min=5)
    assert [row[-1] for row in doc.table("table-training-log").rows] == [too_short, too_short]
    assert all(said(doc.sentences(f"text-curves-{m.key}"), "narrative.curves.too_short", lang)
               for m in doc.deck.models)


# --- overfitting and the noise of the validation split -------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_an_overfit_gap_within_the_noise_is_insufficient_evidence(make_run, lang):
    train = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9]
    gap = history_rows(train, [t - 0.1 for t in train], [1] * 6, [1] * 6)  # 10 pp: above 5 pp, below the noise
    run = pair_run(make_run, history=gap)
    a = analyse(run)
    d = a.models[0].diagnostics
    assert d.gap_acc_pp == pytest.approx(10) and d.val_size == 9 and d.val_noise_pp > 10
    assert d.overfit is None
    assert diagnose(a.models[0], 10_000).overfit is True  # the same gap on a large split is overfitting
    doc = build_document(a, lang)
    curves = doc.sentences("text-curves-wild")
    assert said(curves, "narrative.curves.overfit_insufficient", lang)
    assert not said(curves, "narrative.curves.overfit", lang) and not said(curves, "narrative.curves.no_overfit", lang)
    assert doc.table("table-training-log").rows[0][-2] == Phrases(lang)("ui.verdict.insufficient")
    assert not said(doc.sentences("list-discussion"), "narrative.discussion.overfit", lang)
    assert not said(doc.sentences("list-discussion"), "narrative.discussion.all_good", lang)


def test_a_validation_loss_rise_within_the_noise_is_not_called_memorisation(make_run):
    rise = history_rows([.5] * 6, [.5] * 6, [1] * 6, [1.0, .8, .7, .6, .7, .8])  # +0.2: above 10% of 0.6
    run = pair_run(make_run, history=rise)
    m = analyse(run).models[0]
    d = m.diagnostics
    assert d.val_loss_rise > d.val_loss_rise_threshold and d.val_loss_noise > d.val_loss_rise
    assert d.val_loss_rising is None
    assert diagnose(m, 10_000, [0.2, 2.3] * 50).val_loss_rising is True  # the noise of 10,000 images is 0.04
    a = analyse(run)
    curves = curve_sentences(Context(a, "id"), a.models[0])
    assert said(curves, "narrative.curves.val_loss_rise_insufficient", "id")
    assert not said(curves, "narrative.curves.val_loss_rise", "id")


# --- best and worst classes ----------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_a_class_with_f1_zero_is_never_well_recognised(make_run, lang):
    never_class_2 = [0, 0, 0, 1, 1, 1, 0, 1, 0]  # class_2 never predicted: F1 = 0
    run = pair_run(make_run, preds=never_class_2)
    a = analyse(run)
    m = a.models[0]
    assert m.per_class[2].f1 == 0 and m.diagnostics.failure is None
    d = m.diagnostics
    assert "class_2" not in d.best_classes and not set(d.best_classes) & set(d.worst_classes)
    # 3 images per class: recall 100% (CI from 44%) and 0% (CI up to 56%) overlap
    assert d.best_classes == d.worst_classes == []
    confusion = confusion_sentences(Context(a, lang), a.models[0])
    assert said(confusion, "narrative.confusion.classes_on_par", lang)
    assert not said(confusion, "narrative.confusion.best_classes", lang)


def per_class_model(m, recalls: list[float], support: int = 100):
    """`m` with a confusion matrix of `support` images per class and the given recalls (each
    class's mistakes go to the next class), its per-class metrics recomputed as facts.py does."""
    k = len(recalls)
    names = [f"c{i}" for i in range(k)]
    labels, preds = [], []
    for i, r in enumerate(recalls):
        right = round(r * support)
        labels += [i] * support
        preds += [i] * right + [(i + 1) % k] * (support - right)
    scores = classification_metrics(labels, preds, names)
    return m.model_copy(update={"per_class": [ClassMetrics(name=n, **v) for n, v in scores["per_class"].items()],
                                "confusion_matrix": scores["confusion_matrix"], "accuracy": scores["accuracy"]})


def test_best_and_worst_classes_need_separated_intervals_and_ties_are_stated(analysed_run):
    a = load_analysis(analysed_run)
    m = per_class_model(a.models[0], [1.0, 0.98, 0.5, 0.0])
    d = diagnose(m, 9)
    # c2 (50%) is clearly below c0 and above c3: neither best nor worst
    assert (d.best_classes, d.worst_classes) == (["c0", "c1"], ["c3"])
    tied = per_class_model(a.models[0], [1.0, 1.0, 0.5, 0.5])
    d = diagnose(tied, 9)
    assert (d.best_classes, d.worst_classes) == (["c0", "c1"], ["c2", "c3"])
    for lang in LANGS:
        confusion = confusion_sentences(Context(a, lang), tied.model_copy(update={"diagnostics": d}))
        assert sum(said([s], "narrative.confusion.tie", lang) for s in confusion) == 2
    close = diagnose(per_class_model(a.models[0], [0.9, 0.85, 0.8], support=30), 9)
    assert close.best_classes == close.worst_classes == []


# --- activations ---------------------------------------------------------------------------------

def case(early: float, late: float) -> FeatureMapCase:
    """A feature-map case with these active fractions, judged by the analysis."""
    made = FeatureMapCase(correct=True, index=0, true_label="class_0", pred_label="class_0", confidence=0.9,
                          stages=[StageActivation(stage="conv1", shape=[4, 16, 16], mean=0.1, active_fraction=early),
                                  StageActivation(stage="conv3", shape=[8, 4, 4], mean=0.1, active_fraction=late)],
                          figure="x.png")
    made.activity = activity(made)
    return made


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("early,late,key,sparse", [
    (0.51, 0.5114, "similar", False),   # the 0.14 pp "denser"
    (0.80, 0.51, "sparser", False),     # sparser, but most values still positive: no "small part" claim
    (0.60, 0.10, "sparser", True),
    (0.30, 0.45, "denser", False),
])
def test_sparser_or_denser_only_beyond_the_threshold(analysed_run, lang, early, late, key, sparse):
    a = load_analysis(analysed_run)
    notes = feature_case_sentences(Context(a, lang), a.models[0], case(early, late))
    assert said(notes, f"narrative.features.{key}", lang)
    assert [k for k in ("similar", "sparser", "denser") if said(notes, f"narrative.features.{k}", lang)] == [key]
    assert said(notes, "narrative.features.sparse_late", lang) is sparse


# --- the monitored metric ------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_monitor_val_loss_names_the_loss(make_run, lang):
    run = pair_run(make_run, monitor="val_loss")
    doc = build_document(analyse(run), lang)
    t = Phrases(lang)
    a, b = (doc.sentences(f"text-curves-{key}") for key in ("wild", "calm"))
    assert said(a[:1], "narrative.curves.summary_val_loss", lang)
    assert not said(a, "narrative.curves.summary_val_acc", lang)
    assert said(b[:1], "narrative.curves.summary_val_acc", lang)
    # one table for both models: the caption names each model's monitor
    title = doc.table("table-final").title
    names = [row[0] for row in doc.table("table-final").rows]
    assert names == ["Wild", "Calm"] and doc.table("table-final-wild") is None
    assert f"{names[0]}: {t('narrative.monitor.val_loss')}" in title
    assert f"{names[1]}: {t('narrative.monitor.val_acc')}" in title
    assert any(t("narrative.monitor.val_loss") in fact for fact in doc.deck.models[0].facts)


# --- a search trial's real status ----------------------------------------------------------------

@pytest.mark.parametrize("epochs,status,epochs_run", [(1, "completed", 1), (2, "pruned", 1)])
def test_a_trial_that_ran_all_its_epochs_was_not_pruned(tmp_path, epochs, status, epochs_run):
    path = tmp_path / "exp.toml"
    path.write_text(TINY.replace("epochs = 1", f"epochs = {epochs}"))
    exp = load_experiment(path)
    run = start_run(exp, RunDir.at(tmp_path / "run"))
    asked = []
    run_experiment(exp, run, Reporter(), prune=lambda row: asked.append(row["epoch"]) or True)  # always "stop"
    metrics = read_metrics(run.model("c"))
    assert (metrics.status, metrics.epochs_run) == (status, epochs_run) and asked == [1]


def test_a_diverged_trial_is_reported_as_diverged_not_pruned(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(TINY + TUNE_TABLE)
    exp = load_experiment(path)
    study = optuna.create_study(direction="maximize")
    for number, (status, state, value) in enumerate([("completed", optuna.trial.TrialState.COMPLETE, 0.5),
                                                     ("diverged", optuna.trial.TrialState.PRUNED, None),
                                                     ("pruned", optuna.trial.TrialState.PRUNED, None)]):
        study.add_trial(optuna.trial.create_trial(
            params={"train.lr": 0.1}, distributions={"train.lr": optuna.distributions.CategoricalDistribution([0.1])},
            value=value, state=state, user_attrs={"status": status}))
    out = write_summary(exp, study, tmp_path / "runs", 1.0)
    summary = json.loads((out / "summary.json").read_text())
    assert [t["state"] for t in summary["trials"]] == ["complete", "diverged", "pruned"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_the_tuning_section_states_diverged_trials_as_such(analysed_run, lang):
    a = load_analysis(analysed_run)

    def trial(number: int, state: str) -> TuningTrial:
        return TuningTrial(number=number, state=state, value=0.5, params={"train.lr": 0.1}, seconds=1.0)

    a.tuning = Tuning(model="Small CNN", sampler="grid", pruner="median", metric="val_acc", direction="maximize",
                      space={"train.lr": [0.1, 0.2]}, train=a.models[0].train_config,
                      trials=[trial(0, "complete"), trial(1, "diverged")], best=trial(0, "complete"),
                      importances={}, search_seconds=2.0, figure=a.models[0].figures["loss"])
    judge(a)
    (intro,) = build_document(a, lang).sentences("text-tuning-intro")
    t = Phrases(lang)
    counts = t("ui.tuning.intro", model="Small CNN", sampler=t("ui.tuning.sampler.grid"), count=2, complete=1, pruned=0, pruner="median",
               metric=t("narrative.monitor.val_acc"), seconds=Formatter(lang).seconds(2.0))
    assert intro == counts + " " + t("ui.tuning.diverged", count=1)  # none stopped by the pruner


# --- the verdicts are analysis.json's --------------------------------------------------------------

def test_every_verdict_the_report_words_is_in_analysis_json_with_its_threshold(analysed_run):
    path = analysed_run / "analysis.json"
    stored = json.loads(path.read_text())
    verdicts = stored["comparison"]["verdicts"]
    # the hand-made run: the CNN 8 of 9 right, ResNet18 6 of 9 with 18x the parameters; 2 discordant
    # images tell them apart from nothing
    assert (verdicts["leader"], verdicts["tied_with_leader"], verdicts["ranks_separated"]) == (
        "Small CNN", ["ResNet18"], True)
    assert (verdicts["largest"], verdicts["largest_best"]) == ("ResNet18", False)
    assert (verdicts["larger_factor"], verdicts["slower_factor"]) == (LARGER_FACTOR, SLOWER_FACTOR)
    resnet = next(s for s in verdicts["standings"] if s["label"] == "ResNet18")
    assert (resnet["less_accurate_than"], resnet["larger_than"]) == (None, "Small CNN")
    assert verdicts["insight"] == {"kind": "none_differ", "model": "Small CNN", "other": None, "others": []}
    for m in stored["models"]:
        for case in m["feature_maps"]:
            first, last = case["stages"][0]["active_fraction"], case["stages"][-1]["active_fraction"]
            assert case["activity"]["change_pp"] == pytest.approx(100 * (last - first))
            assert (case["activity"]["threshold_pp"], case["activity"]["sparse_share"]) == (ACTIVE_CHANGE_PP,
                                                                                          SPARSE_SHARE)
        for cam in m["explanation"]["cases"]:  # the ninth of the image the map peaks in (none: a map all zero)
            row, col = (min(2, int(3 * x)) for x in cam["peak"]) if cam["peak"] else (None, None)
            assert cam["region"] == (None if row is None else
                                     f"{('top', 'middle', 'bottom')[row]}_{('left', 'centre', 'right')[col]}")
            assert cam["concentrated"] == (None if cam["top_share"] is None
                                           else cam["top_share"] >= m["explanation"]["concentrated_share"])
        diagnostics, calibration = m["diagnostics"], m["calibration"]
        fluctuation, threshold = diagnostics["val_loss_fluctuation"], diagnostics["fluctuation_threshold"]
        assert diagnostics["fluctuating"] == (fluctuation > threshold)
        assert calibration["ece_above_threshold"] == (calibration["ece"] > calibration["ece_threshold"])
