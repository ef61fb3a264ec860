"""The comparison text claims only what the pair tests support, and every number in it comes from
the analysis facts: hand-made runs with known answers, and property tests over generated facts."""

import json
import re
import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.analysis import analyse, load_analysis
from reportgen.analysis.advice import run_health
from reportgen.analysis.findings import conclude
from reportgen.analysis.states import model_state
from reportgen.analysis.calibration import calibration
from reportgen.analysis.diagnostics import compare
from reportgen.analysis.stats import model_intervals
from reportgen.schema.analysis import (
    Analysis, Averages, ClassMetrics, DatasetInfo, Environment, History, ModelAnalysis,
)
from reportgen.errors import UserError
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases, _table
from reportgen.metrics import classification_metrics
from reportgen.analysis.verdicts import judge
from reportgen.report.comparison import comparison_sentences
from reportgen.report.context import Context
from reportgen.report.discussion import conclusion_sentences, discussion_sentences
from conftest import HANDMADE, history_rows

PER_CLASS = 12
LABELS = [c for c in range(3) for _ in range(PER_CLASS)]  # 36 evaluation images


def wrong_on(indices: range) -> list[int]:
    return [(y + 1) % 3 if i in indices else y for i, y in enumerate(LABELS)]


def model_analysis(label: str, arch: str, labels: list[int], pred: list[int], probs: np.ndarray, classes: list[str],
                   params: int, seconds: float) -> ModelAnalysis:
    """A model's facts as analyse() computes them from its predictions.csv (no training, no figures)."""
    scores = classification_metrics(labels, pred, classes)
    m = ModelAnalysis(
        label=label, slug=label.lower(), arch=arch, description="", reference="", status="completed",
        params=params, train_config={"monitor": "val_acc", "lr": 0.01}, model_params={}, accuracy=scores["accuracy"],
        macro=Averages(**scores["macro"]), weighted=Averages(**scores["weighted"]),
        per_class=[ClassMetrics(name=k, **v) for k, v in scores["per_class"].items()],
        confusion_matrix=scores["confusion_matrix"], best_epoch=1, epochs_run=1, stopped_early=False,
        train_seconds=seconds, train_acc=None, val_acc=None, train_loss=1.0, val_loss=1.0, history=History(),
        architecture=None, diagnostics=None, feature_maps=[], figures={}, notes=[])
    m.accuracy_ci, m.macro_f1_ci = model_intervals(m.confusion_matrix)
    m.calibration = calibration(labels, pred, probs)
    return m


def analysis_of(labels: list[int], preds: dict[str, list[int]], alpha: float = 0.05, archs: dict | None = None,
                probs: dict | None = None) -> Analysis:
    """The analysis of models with these predictions of the same images."""
    classes = [f"class_{c}" for c in range(max(max(labels), *(max(p) for p in preds.values())) + 1)]
    probs = probs or {label: np.eye(len(classes))[pred] * 0.8 + 0.2 / len(classes) for label, pred in preds.items()}
    models = [model_analysis(label, (archs or {}).get(label, "cnn"), labels, pred, probs[label], classes,
                             params=1000 * (i + 1), seconds=1.5 * (i + 1))
              for i, (label, pred) in enumerate(preds.items())]
    n = len(labels)
    dataset = DatasetInfo(name="synthetic", classes=classes, train_size=4 * n, val_size=n, test_size=n,
                          eval_split="test", image_size=16, normalize_mean=[0.5] * 3, normalize_std=[0.5] * 3,
                          augment=[], samples_figure="")
    for m in models:  # each model's state and the pair conclusions, as analyse() decides them
        m.state = model_state(m, n)
    health = run_health(models, dataset.image_size)
    comparison = compare(models, None, labels, preds, alpha)
    if comparison is not None:
        conclude(comparison, models, health.weak)
    return judge(Analysis(run_dir="run", experiment={}, environment=Environment(), dataset=dataset, models=models,
                          comparison=comparison, health=health))


def test_identical_predictions_are_on_par_end_to_end(make_run):
    """Through a run directory: predictions.csv -> analysis.json -> the sentences."""
    raw = json.loads(json.dumps(HANDMADE))
    raw["data"]["samples_per_class"] = 4 * PER_CLASS  # 12 test images per class
    preds = wrong_on(range(0, 36, 4))
    hist = history_rows([.5] * 6, [.5] * 6, [1] * 6, [1] * 6)
    a = analyse(make_run(raw=raw, predictions={"Small CNN": preds, "ResNet18": preds},
                         histories={"Small CNN": hist, "ResNet18": hist}))
    (pair,) = a.comparison.pairs
    assert (pair.n, pair.p_value, pair.p_adjusted, pair.significant, pair.diff_pp) == (36, 1.0, 1.0, False, 0.0)
    assert [r.rank for r in a.comparison.ranks] == [1, 1]
    cx = Context(a, "id")
    comparison = comparison_sentences(cx)
    assert any("tidak dapat dibedakan dengan data ini" in s for s in comparison)
    assert not any("setara" in s for s in comparison)
    assert "ResNet18 = Small CNN" in " ".join(comparison)
    conclusion = conclusion_sentences(cx)
    assert not any("lebih akurat daripada" in s or "Model terbaik" in s for s in comparison + conclusion)


def test_models_evaluated_on_different_images_are_not_compared(make_run):
    """A pair test needs the same images: a predictions.csv that lost a row is refused, naming it."""
    hist = history_rows([.5, .6], [.5, .6], [1, .9], [1, .9])
    run = make_run(predictions={"Small CNN": [0, 0, 0, 1, 1, 1, 2, 2, 2], "ResNet18": [0, 0, 0, 1, 1, 1, 2, 2, 2]},
                   histories={"Small CNN": hist, "ResNet18": hist})
    predictions = run / "resnet18" / "predictions.csv"
    predictions.write_text("".join(predictions.read_text().splitlines(keepends=True)[:-1]))
    with pytest.raises(UserError, match=r"resnet18/predictions.csv does not hold the same evaluation images"):
        analyse(run)


@pytest.mark.parametrize("lang,on_par,better", [("id", "tidak dapat dibedakan dengan data ini", "lebih akurat daripada"),
                                                ("en", "cannot be told apart with this data", "more accurate than")])
def test_identical_predictions_are_on_par(lang, on_par, better):
    preds = wrong_on(range(0, 36, 4))
    a = analysis_of(LABELS, {"Small CNN": preds, "ResNet18": preds})
    assert a.comparison.pairs[0].p_value == 1.0 and {r.rank for r in a.comparison.ranks} == {1}
    cx = Context(a, lang)
    assert any(on_par in s for s in comparison_sentences(cx))
    assert not any(better in s for s in comparison_sentences(cx) + conclusion_sentences(cx))


@pytest.mark.parametrize("lang,better,best", [("id", "ResNet18 lebih akurat daripada Small CNN", "Model terbaik"),
                                              ("en", "ResNet18 is more accurate than Small CNN", "The best model")])
def test_a_clearly_better_model_is_called_better(lang, better, best):
    a = analysis_of(LABELS, {"Small CNN": wrong_on(range(0, 36, 3)), "ResNet18": LABELS})
    (pair,) = a.comparison.pairs
    assert (pair.a, pair.a_only_correct, pair.b_only_correct, pair.significant) == ("ResNet18", 12, 0, True)
    assert [(r.label, r.rank) for r in a.comparison.ranks] == [("ResNet18", 1), ("Small CNN", 2)]
    cx = Context(a, lang)
    assert any(s.startswith(better) for s in comparison_sentences(cx))
    assert "ResNet18 > Small CNN" in " ".join(comparison_sentences(cx))
    assert conclusion_sentences(cx)[0].startswith(best) and "ResNet18" in conclusion_sentences(cx)[0]


def test_a_few_images_difference_is_not_called_better():
    """8 of 9 against 6 of 9: 22 pp, yet 2 discordant images are no evidence."""
    labels = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    a = analysis_of(labels, {"Small CNN": [0, 0, 0, 1, 1, 2, 2, 2, 2], "ResNet18": [0, 1, 1, 1, 1, 1, 2, 2, 2]})
    assert not a.comparison.pairs[0].significant
    cx = Context(a, "id")
    said = comparison_sentences(cx) + conclusion_sentences(cx)
    assert not any("lebih akurat daripada" in s or "Model terbaik" in s for s in said)
    assert any("tidak dapat dibedakan" in s for s in conclusion_sentences(cx))


@pytest.mark.parametrize("plain_wrong,key,sentence", [
    (range(0, 36, 2), "solved", "mengatasi masalah degradasi"),
    (range(0, 36, 30), "on_par", "tidak cukup untuk menyatakan"),
])
def test_degradation_verdict_respects_the_test(plain_wrong, key, sentence):
    a = analysis_of(LABELS, {"Plain-34": wrong_on(plain_wrong), "ResNet-34": LABELS},
                    archs={"Plain-34": "plain34", "ResNet-34": "resnet34"})
    g = a.comparison.degradation
    assert g.residual_better is (key == "solved")
    assert g.accuracy_pp > 0  # the residual network is ahead either way; only the test decides the claim
    assert any(sentence in s for s in conclusion_sentences(Context(a, "id")))


def test_ranking_without_clean_groups_claims_no_order():
    """A is significantly better than C, yet neither differs from B: ranks 1, 1, 2 cannot be written
    "A = B > C" (that would call B better than C)."""
    labels = a_pred = [0] * 60
    b_pred = [1] * 4 + [0] * 56  # wrong on images 0-3
    c_pred = [0] * 4 + [1] * 8 + [0] * 48  # wrong on images 4-11
    a = analysis_of(labels, {"A": a_pred, "B": b_pred, "C": c_pred})
    by = {(p.a, p.b): p.significant for p in a.comparison.pairs}
    assert by["A", "C"] and not by["A", "B"] and not by["B", "C"]
    text = " ".join(comparison_sentences(Context(a, "en")))
    assert ">" not in text and "1. A, B; 2. C" in text


# --- property tests over generated facts ---------------------------------------------------------

NAMES = ["Alfa", "Beta", "Gamma", "Delta"]
NAME_KEYS = {"a", "b", "model", "best", "leader", "others", "baseline", "residual", "plain", "split"}


def generated_analysis(seed: int, n: int, models: int, classes: int, copies: list[bool], alpha: float) -> Analysis:
    """Models with random accuracies and confidences (some copying another's predictions) on n images."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    preds, probs = {}, {}
    for i, label in enumerate(NAMES[:models]):
        if i and copies[i]:
            pred = np.asarray(preds[NAMES[i - 1]])
        else:
            right = rng.random(n) < rng.uniform(0.3, 1.0)
            pred = np.where(right, labels, (labels + rng.integers(1, classes, n)) % classes)
        confidence = rng.uniform(1 / classes, 1, n)
        probs[label] = np.repeat(((1 - confidence) / (classes - 1))[:, None], classes, 1)
        probs[label][np.arange(n), pred] = confidence
        preds[label] = pred.tolist()
    return analysis_of(labels.tolist(), preds, alpha, probs=probs)


def template_regex(text: str) -> re.Pattern:
    """A phrase as a regular expression: each {name} captures (repeated names must match again)."""
    pattern, seen = "", set()
    for literal, name, _, _ in string.Formatter().parse(text):
        pattern += re.escape(literal)
        if name is not None:
            pattern += f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"
            seen.add(name)
    return re.compile(pattern + "$")


def templates(lang: str) -> dict[str, tuple[re.Pattern, int]]:
    """Every phrase as a pattern, with the length of its literal text (the most specific match wins)."""
    return {key: (template_regex(v[lang]), len(re.sub(r"\{\w+\}", "", v[lang]))) for key, v in _table().items()}


def numbers(text: str) -> list[str]:
    return re.findall(r"\d(?:[\d.,]*\d)?", text)


def fact_numbers(a: Analysis, f: Formatter) -> set[str]:
    """Every number of the analysis.json facts, as each Formatter method would write it."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            found.update(numbers(str(len(node))))
            for v in node:
                walk(v)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            shown = [f.percent(node), f.pp(node), f.decimal(node), f.general(node), f.p_value(node),
                     f.change_pct(node), f.seconds(node), *(f.number(node, d) for d in (0, 1, 2, 3)),
                     f.number(1 + node / 100, 1)]  # a relative change as a factor ("2,0 kali lipat")
            if float(node).is_integer():
                shown.append(f.integer(node))
            for s in shown:
                found.update(numbers(s))

    walk(json.loads(a.model_dump_json()))
    return found


def significant(a: Analysis, x: str, y: str) -> bool:
    """The pair test says x is more accurate than y."""
    return any(p.significant and (p.a, p.b) == (x, y) for p in a.comparison.pairs)


def check_claim(a: Analysis, key: str, v: dict[str, str]) -> None:
    others = [m.label for m in a.models]
    if key in ("narrative.comparison.best", "narrative.conclusion.best", "narrative.discussion.largest_best"):
        best = v.get("best") or v["model"]
        assert all(significant(a, best, o) for o in others if o != best), (key, v)
    elif key == "narrative.comparison.pair_better":
        assert significant(a, v["a"], v["b"]), v
    elif key == "narrative.comparison.pair_on_par":
        assert not significant(a, v["a"], v["b"]) and not significant(a, v["b"], v["a"]), v
    elif key == "narrative.verdict.less_accurate":
        for o in re.split(r",? (?:dan|and) |, ", v["others"]):
            assert significant(a, o, v["model"]), v
    elif key == "narrative.comparison.pair_not_judged":
        assert significant(a, v["a"], v["b"]), v
    elif key == "narrative.conclusion.no_best":
        for o in re.split(r",? (?:dan|and) |, ", v["others"]):
            assert not significant(a, v["leader"], o), v
    elif key == "narrative.comparison.ranking":
        groups = [g.split(" = ") for g in v["ranking"].split(" > ")]
        for i, upper in enumerate(groups):
            assert not any(significant(a, x, y) for x in upper for y in upper), v
            assert all(significant(a, x, y) for lower in groups[i + 1:] for x in upper for y in lower), v


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(10, 400), models=st.integers(2, 4), classes=st.integers(2, 4),
       copies=st.lists(st.booleans(), min_size=4, max_size=4), alpha=st.sampled_from([0.01, 0.05, 0.1]),
       lang=st.sampled_from(["id", "en"]))
def test_every_claim_is_backed_by_its_test_and_every_number_by_a_fact(seed, n, models, classes, copies, alpha, lang):
    a = generated_analysis(seed, n, models, classes, copies, alpha)
    cx, f, patterns = Context(a, lang), Formatter(lang), templates(lang)
    facts = fact_numbers(a, f)
    ci_label = Phrases(lang)("narrative.stats.ci")
    for sentence in comparison_sentences(cx) + discussion_sentences(cx) + conclusion_sentences(cx):
        matches = [(size, key, m) for key, (p, size) in patterns.items() if (m := p.match(sentence))]
        assert matches, f"a sentence no phrase writes: {sentence}"
        _, key, match = max(matches, key=lambda x: x[0])
        values = match.groupdict()
        check_claim(a, key, values)
        for name, value in values.items():
            if name in NAME_KEYS:
                continue
            for label in NAMES:
                value = value.replace(label, "")
            for number in numbers(value.replace(ci_label, "")):
                assert number in facts, f"{number} in '{sentence}' is in no fact"


def test_an_analysis_json_without_pair_tests_is_recomputed(handmade_run):
    """One written before the pair tests existed (and before analysis.json had a schema version)
    must not be rendered without them."""
    analyse(handmade_run)
    path = handmade_run / "analysis.json"
    stale = json.loads(path.read_text())
    stale["comparison"]["pairs"], stale["comparison"]["ranks"] = [], []
    del stale["schema_version"]
    path.write_text(json.dumps(stale))
    assert len(load_analysis(handmade_run).comparison.pairs) == 1
