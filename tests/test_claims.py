"""The comparison text claims only what the pair tests support, and every number in it comes from
the analysis facts: hand-made runs with known answers, and property tests over generated facts."""

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.analysis import analyse, load_analysis
from reportgen.schema.analysis import Analysis
from reportgen.errors import UserError
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.report.comparison import comparison_sentences, pairs_table
from reportgen.report.context import Context
from reportgen.report.discussion import conclusion_sentences, discussion_sentences
from helpers import (HANDMADE, LABELS, NAMES, PER_CLASS, analysis_of, fact_numbers, generated_analysis, history_rows,
                     numbers, significant, templates, wrong_on)

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


def test_more_than_two_pairs_are_summarised_naming_each_differing_pair():
    """Three pairs: the one that differs keeps its own sentence with its evidence; the two that do
    not are one sentence with the range of their differences and of what the test could detect."""
    labels = a_pred = [0] * 60
    b_pred = [1] * 4 + [0] * 56
    c_pred = [0] * 4 + [1] * 8 + [0] * 48
    a = analysis_of(labels, {"A": a_pred, "B": b_pred, "C": c_pred})
    said, f = comparison_sentences(Context(a, "en")), Formatter("en")
    assert [s for s in said if s.startswith("A is more accurate than C: ")]
    alike = [p for p in a.comparison.pairs if not p.significant]
    (summary,) = [s for s in said if s.startswith("The other 2 pairs cannot be told apart")]
    diffs = sorted(abs(p.diff_pp) for p in alike)
    low, high = (f.pp(d, signed=False) for d in (diffs[0], diffs[-1]))
    assert f"differences are {low if low == high else f'{low} to {high}'} (McNemar" in summary
    # A and B differ on only 4 images: no difference is detectable for them, which a sentence of its own says
    (sized,), unsized = [p for p in alike if p.mdd_pp is not None], [p for p in alike if p.mdd_pp is None]
    assert f"at least {f.pp(sized.mdd_pp, signed=False)}, depending on the pair" in summary
    assert [s for s in said if s.startswith("For ")] == [
        f"For {', '.join(f'{p.a} vs {p.b}' for p in unsized)}, too few images are discordant for the test to "
        f"detect any difference at α = {f.general(sized.mdd_alpha)}."]
    assert "does not show that the models are equally accurate" in summary
    assert not [s for s in said if "cannot be told apart" in s and s is not summary]  # no sentence per pair
    # each pair's detectable difference, no longer in a sentence of its own, is in the pairs table
    table = pairs_table(Context(a, "en"))
    column = [c.header for c in table.columns].index("Detectable difference (min.)")
    assert [row[column] for row in table.rows] == [f.pp(p.mdd_pp, signed=False) for p in a.comparison.pairs]


# --- property tests over generated facts ---------------------------------------------------------

NAME_KEYS = {"a", "b", "model", "best", "leader", "others", "baseline", "residual", "plain", "split"}


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
    elif key == "narrative.comparison.pairs_not_judged":  # "A more accurate than B (…)", pair by pair
        found = re.findall(r"(?:^|, |(?:dan|and) )(\w+) (?:lebih akurat daripada|more accurate than) (\w+) \(", v["pairs"])
        assert found and all(significant(a, x, y) for x, y in found), v
    elif key in ("narrative.comparison.pairs_on_par", "narrative.comparison.pairs_on_par_undetectable"):
        assert int(re.search(r"\d+", v["count"]).group()) == sum(not p.significant for p in a.comparison.pairs), v
    elif key == "narrative.conclusion.no_best":
        for o in re.split(r",? (?:dan|and) |, ", v["others"]):
            assert not significant(a, v["leader"], o), v
    elif key == "narrative.comparison.ranking":
        groups = [g.split(" = ") for g in v["ranking"].split(" > ")]
        for i, upper in enumerate(groups):
            assert not any(significant(a, x, y) for x in upper for y in upper), v
            assert all(significant(a, x, y) for lower in groups[i + 1:] for x in upper for y in lower), v


@pytest.mark.slow
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


def test_an_analysis_json_without_pair_tests_is_recomputed(analysed_run):
    """One written before the pair tests existed (and before analysis.json had a schema version)
    must not be rendered without them."""
    path = analysed_run / "analysis.json"
    stale = json.loads(path.read_text())
    stale["comparison"]["pairs"], stale["comparison"]["ranks"] = [], []
    del stale["schema_version"]
    path.write_text(json.dumps(stale))
    assert len(load_analysis(analysed_run).comparison.pairs) == 1
