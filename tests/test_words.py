"""The report's words follow each model's state and the primary test: a table of hand-made runs (no
training), one per state, whose documents must say some verdicts and must not say others, in both
languages; the seed-level tests reconciled with the primary one; a property test over generated
analyses whose texts hold no nan, inf or None, whose Kesimpulan items never contradict each other,
and whose every "more accurate" claim rests on a rejecting primary test."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import HANDMADE, LABELS, analysis_of, generated_analysis, history_rows, template_regex, wrong_on
from reportgen.analysis import analyse
from reportgen.analysis.modifications import modification
from reportgen.analysis.objectives import objective_scopes
from reportgen.language.phrases import Phrases
from reportgen.models.catalog import CATALOG
from reportgen.report import build_document
from reportgen.report.comparison import comparison_sentences
from reportgen.report.confusion import confusion_sentences
from reportgen.report.context import Context
from reportgen.report.discussion import conclusion_sentences, key_finding, questions
from reportgen.report.explanation import case_sentences, overview
from reportgen.report.seeds import pair_sentence
from reportgen.schema.analysis import CamFacts, Explanation, SeedTest

LANGS = ["id", "en"]
CNN = {"arch": "cnn", "params": {"conv_filters": [4, 8, 8], "fc_neurons": 16}}
FLAT = history_rows([.8] * 6, [.8] * 6, [.5] * 6, [.5] * 6)  # converged: nothing left to improve
RISING = history_rows([.1, .2, .3, .4, .5, .6], [.1, .2, .3, .4, .5, .6], [1] * 6, [1] * 6)  # still improving
DIVERGING = history_rows([.5, .7, .9, 1, 1, 1], [.1] * 5 + [.2], [3.27, 4, 5, 6, 7, 7.59], [1, .9, 1.2, 1.5, 2, 3])
RANDOM = [(y + i) % 3 for i, y in enumerate(LABELS)]  # one in three right: chance


def pattern(key: str, lang: str) -> re.Pattern:
    """The phrase as a pattern, any text standing for each of its placeholders."""
    return re.compile(".*?".join(map(re.escape, re.split(r"\{[a-z_0-9]+\}", Phrases(lang)(key)))), re.S)


def said(text: str, key: str, lang: str) -> bool:
    return bool(pattern(key, lang).search(text))


@dataclass
class Case:
    name: str
    preds: dict[str, list[int]]
    histories: dict[str, list]
    say: list[str] = field(default_factory=list)  # phrase keys the Diskusi and Kesimpulan must say
    never: list[str] = field(default_factory=list)  # ... and must not


STATE_CASES = [
    Case("healthy pair", {"A": LABELS, "B": wrong_on(range(0, 36, 3))}, {"A": FLAT, "B": FLAT},
         say=["narrative.conclusion.best", "narrative.verdict.less_accurate", "narrative.verdict.key_strongest"],
         never=["narrative.health.weak", "narrative.verdict.not_learned", "narrative.comparison.pair_on_par"]),
    Case("one collapsed", {"A": wrong_on(range(0, 36, 9)), "B": [0] * 36}, {"A": FLAT, "B": FLAT},
         say=["narrative.state.collapsed", "narrative.verdict.not_learned"],
         never=["narrative.health.weak", "narrative.state.biased", "narrative.verdict.less_accurate",
                "narrative.discussion.overconfident"]),
    Case("one diverged", {"A": wrong_on(range(0, 36, 9)), "B": wrong_on(range(0, 36, 2))},
         {"A": FLAT, "B": DIVERGING},
         say=["narrative.state.diverged", "narrative.failure.discussion_diverged", "narrative.verdict.not_learned"],
         never=["narrative.discussion.overfit", "narrative.verdict.less_accurate"]),
    Case("all at chance", {"A": RANDOM, "B": RANDOM}, {"A": FLAT, "B": FLAT},
         say=["narrative.health.weak", "narrative.state.chance", "narrative.verdict.key_weak"],
         never=["narrative.conclusion.best", "narrative.verdict.key_strongest", "narrative.comparison.pair_better"]),
    Case("all undertrained", {"A": LABELS, "B": wrong_on(range(0, 36, 3))}, {"A": RISING, "B": RISING},
         say=["narrative.health.weak", "narrative.state.undertrained", "narrative.health.more_epochs",
              "narrative.verdict.key_weak"],
         never=["narrative.verdict.key_strongest", "narrative.discussion.largest_not_best"]),
    # 5 discordant images, all A's: exact McNemar p = 2 / 2**5 = 0.0625, just above alpha
    Case("p just above alpha", {"A": LABELS, "B": wrong_on(range(0, 36, 8))}, {"A": FLAT, "B": FLAT},
         say=["narrative.conclusion.no_best", "narrative.verdict.key_none"],
         never=["narrative.conclusion.best", "narrative.verdict.less_accurate", "narrative.verdict.key_strongest"]),
]


def analysed(make_run, case: Case):
    raw = json.loads(json.dumps(HANDMADE))
    raw["data"]["samples_per_class"] = 48  # 12 test images per class, as LABELS
    raw["models"] = [{**CNN, "label": label} for label in case.preds]
    raw["report"]["baseline"] = "A"
    return analyse(make_run(raw=raw, predictions=case.preds, histories=case.histories))


@pytest.mark.slow  # one analysis (feature maps and Grad-CAM of two tiny CNNs) per case
@pytest.mark.parametrize("case", STATE_CASES, ids=[c.name for c in STATE_CASES])
def test_each_state_says_what_it_allows_and_nothing_else(make_run, case):
    a = analysed(make_run, case)
    for lang in LANGS:
        doc = build_document(a, lang)
        closing = " ".join(s for block in ("list-discussion", "list-discussion-training", "list-discussion-accuracy",
                                           "text-health", "list-conclusion", "text-insight")
                           for s in doc.sentences(block))
        for key in case.say:
            assert said(closing, key, lang), (case.name, lang, key)
        for key in case.never:
            assert not said(closing, key, lang), (case.name, lang, key)
        comparison = " ".join(doc.sentences("text-comparison"))
        if case.name == "p just above alpha":
            (pair,) = a.comparison.pairs
            assert pair.p_value == pytest.approx(0.0625) and not pair.significant
            assert said(comparison, "narrative.comparison.pair_on_par", lang)
            assert said(comparison, "narrative.comparison.pair_mdd", lang) or said(
                comparison, "narrative.comparison.pair_mdd_none", lang)
        assert "setara" not in closing + comparison and " on par" not in closing + comparison


def seed_test(exploratory: bool, significant: bool, a: str = "A", b: str = "B") -> SeedTest:
    n = 2 if exploratory else 3
    return SeedTest(a=a, b=b, n_a=n, n_b=n, mean_a=0.9, mean_b=0.8, diff_pp=10.0, t=5.0, df=2.0, p_value=0.01,
                    p_adjusted=0.01 if significant else 0.5, significant=significant, exploratory=exploratory,
                    min_seeds=3, finding=significant and not exploratory)


@pytest.mark.parametrize("lang", LANGS)
def test_two_seeds_are_exploratory_and_three_a_finding_reconciled_with_mcnemar(lang):

    a = analysis_of(LABELS, {"A": wrong_on(range(0, 36, 9)), "B": wrong_on(range(0, 36, 8))})  # McNemar: no difference
    (conclusion,) = a.comparison.conclusions
    assert conclusion.outcome == "not_distinguishable"
    cx = Context(a, lang)
    two = pair_sentence(cx, seed_test(exploratory=True, significant=True))
    assert said(two, "narrative.seeds.exploratory", lang) and not said(two, "narrative.seeds.better", lang)
    conclusion.seed_test = "disagrees"  # three seeds whose Welch test rejects where McNemar does not
    three = pair_sentence(cx, seed_test(exploratory=False, significant=True))
    assert said(three, "narrative.seeds.better", lang) and said(three, "narrative.seeds.disagrees", lang)
    a.comparison.seed_tests = [seed_test(exploratory=True, significant=True)]
    conclusion.seed_test = "exploratory"
    accuracy = " ".join(" ".join(plain(i) for i in q.blocks[0].items) for q in questions(Context(a, lang))
                        if q.id == "discussion-accuracy")
    assert said(accuracy, "narrative.discuss.seeds_exploratory", lang)
    # the Kesimpulan rests on McNemar alone: no seed-level claim
    assert not any(said(s, "narrative.seeds.better", lang) for s in conclusion_sentences(Context(a, lang)))


def plain(parts) -> str:
    return "".join(p if isinstance(p, str) else p.text for p in parts)


def test_every_architecture_has_its_background():
    for arch in CATALOG:
        for lang in LANGS:
            assert Phrases(lang)(f"narrative.background.{arch}", cite="[1]")


@pytest.mark.slow  # one analysis of the hand-made run
def test_the_introduction_cites_every_listed_reference_and_the_body_says_nothing_of_its_making(handmade_run):
    a = analyse(handmade_run)
    for lang in LANGS:
        doc = build_document(a, lang)
        intro = " ".join(doc.sentences("text-introduction"))
        references = doc.sentences("list-references")
        assert references and all(f"[{i}]" in intro for i in range(1, len(references) + 1))
        assert f"[{len(references) + 1}]" not in intro
        assert "otomatis" not in intro and "generated" not in intro


# --- random analyses ------------------------------------------------------------------------------

NON_FINITE = re.compile(r"\b(nan|inf|None)\b", re.I)


def empty_maps(a, rng) -> None:
    """Give every model a Grad-CAM explanation whose maps are all zero or non-finite (no top share)."""
    for m in a.models:
        cases = [CamFacts(index=i, true_label=m.per_class[0].name, pred_label=m.per_class[0].name, confidence=0.5,
                          top_share=None if rng else 0.0, peak=None) for i in range(2)]
        m.explanation = Explanation(target_layer="layer4", top_pixels=0.1, concentrated_share=0.5, cases=cases,
                                    per_class=[], classes_shown=0, per_class_limit=3, gallery=[], gallery_limit=3,
                                    maps=2, median_top_share=None, concentrated=0, figures={})


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(10, 300), models=st.integers(2, 4), classes=st.integers(2, 4),
       copies=st.lists(st.booleans(), min_size=4, max_size=4), alpha=st.sampled_from([0.01, 0.05]),
       nan_maps=st.booleans(), lang=st.sampled_from(LANGS))
def test_random_analyses_say_no_nan_and_never_contradict_themselves(seed, n, models, classes, copies, alpha, nan_maps,
                                                                   lang):
    a = generated_analysis(seed, n, models, classes, copies, alpha)
    empty_maps(a, nan_maps)
    cx = Context(a, lang)
    conclusion = conclusion_sentences(cx)
    text = comparison_sentences(cx) + conclusion + [key_finding(cx)] + [
        plain(item) for q in questions(cx) for block in q.blocks for item in block.items]
    for m in a.models:
        text += confusion_sentences(cx, m) + overview(cx, m) + case_sentences(cx, m)
    for sentence in text:
        assert not NON_FINITE.search(sentence), sentence
    by = {m.label: m for m in a.models}
    primary = {(p.a, p.b): p for p in a.comparison.pairs}
    phrases = Phrases(lang)
    best = pattern("narrative.conclusion.best", lang)
    for sentence in conclusion:
        # "best" never goes with a model the Kesimpulan calls not learned, nor with "not distinguishable"
        if best.search(sentence):
            leader = a.comparison.supported_best
            assert leader and by[leader].state.state in ("healthy", "biased", "undertrained")
            assert not any(said(s, "narrative.verdict.not_learned", lang) and s.startswith(leader) for s in conclusion)
    # every "more accurate" claim rests on a rejecting primary test, and its pair is never also
    # called not distinguishable
    better = template_regex(phrases("narrative.comparison.pair_better"))
    for sentence in comparison_sentences(cx):
        if found := better.match(sentence):
            assert primary[(found["a"], found["b"])].significant, sentence
    for c in a.comparison.conclusions:
        if c.outcome == "a_better":
            assert primary[(c.a, c.b)].significant
    # a model the Kesimpulan calls less accurate than others: each of them rejects against it, and
    # none is a model it cannot be told apart from
    less = template_regex(phrases("narrative.verdict.less_accurate"))
    for sentence in conclusion:
        if found := less.match(sentence):
            for other in re.split(r",? (?:dan|and) |, ", found["others"]):
                assert primary[(other, found["model"])].significant, sentence



# The reference report's objectives and its four models: which models each objective names, and the
# Kesimpulan answering them in turn.
R34_OBJECTIVES = [
    "Menganalisis secara empiris masalah degradasi pada Plain Network (Plain-34).",
    "Membuktikan efektivitas residual connection melalui implementasi ResNet-34.",
    "Mengeksplorasi modifikasi arsitektur ResNet-34 (Multi-Path dan Pre-activation).",
]
R34 = ["Plain-34", "ResNet-34", "Multi-Path ResNet-34", "Pre-activation ResNet-34"]


def test_an_objective_names_a_model_by_its_label_or_every_word_of_it():
    scopes = [s.models for s in objective_scopes(R34_OBJECTIVES, R34)]
    assert scopes == [["Plain-34"], ["ResNet-34"], ["ResNet-34", "Multi-Path ResNet-34", "Pre-activation ResNet-34"]]
    assert objective_scopes(["Membandingkan ResNet-345 dengan CNN"], ["ResNet-34", "cnn"])[0].models == ["cnn"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_conclusion_answers_each_objective_in_turn(lang):
    a = analysis_of(LABELS, {"Plain-34": wrong_on(range(0, 36, 3)), "ResNet-34": LABELS,
                             "Multi-Path ResNet-34": wrong_on(range(0, 36, 12)),
                             "Pre-activation ResNet-34": wrong_on(range(0, 36, 4))}, archs={})
    by_label = {m.label: m for m in a.models}
    a.comparison.modifications = [modification(by_label[model], by_label[parent], "experiment", "", a.comparison)
                                  for model, parent in [("ResNet-34", "Plain-34"), ("Multi-Path ResNet-34", "ResNet-34"),
                                                        ("Pre-activation ResNet-34", "ResNet-34")]]
    a.objectives = objective_scopes(R34_OBJECTIVES, R34)
    items = conclusion_sentences(Context(a, lang))
    mark = Phrases(lang)
    first, both, third = (mark(key, numbers=n) for key, n in [
        ("narrative.conclusion.objective_one", "1"),
        ("narrative.conclusion.objective_many", "1 dan 2" if lang == "id" else "1 and 2"),
        ("narrative.conclusion.objective_one", "3")])
    marked = [item for item in items if item.startswith("(")]
    # the ranking is about the run as a whole: unmarked, first; then the objectives in turn
    assert not items[0].startswith("(") and items[1:len(marked) + 1] == marked
    marks = [next(mark for mark in (first, both, third) if item.startswith(mark)) for item in marked]
    assert marks == sorted(marks, key=[first, both, third].index) and set(marks) == {first, both, third}
    plain = next(m for m in marked if m.startswith(first))  # the verdict on Plain-34 answers objective 1
    resnet_plain = next(m for m in marked if m.startswith(both))  # the residual connection: 1 and 2
    assert "Plain-34" in plain and "Plain-34" in resnet_plain and "Multi-Path" not in resnet_plain
    assert sum(m.startswith(third) and ("Multi-Path" in m or "Pre-activation" in m) for m in marked) == 2
    # a modification less accurate than its parent is said once, by its own item
    assert sum("Pre-activation ResNet-34" in item for item in items) == 1


def test_objectives_that_name_the_same_models_leave_the_conclusion_unmarked():
    a = analysis_of(LABELS, {"A": LABELS, "B": wrong_on(range(0, 36, 3))})
    plain = conclusion_sentences(Context(a, "id"))
    a.objectives = objective_scopes(["Melatih A dan B.", "Membandingkan A dengan B."], ["A", "B"])
    assert conclusion_sentences(Context(a, "id")) == plain
