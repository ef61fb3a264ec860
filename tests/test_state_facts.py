"""The new facts in a hand-made run's analysis.json (states, conditions, pair conclusions and their
reach, modifications, the run's health, timing) and their round trip; modifications' parents from
the registry and the experiment; bounded class lists; Plain-34's frozen parameters."""

import json

import pytest

from helpers import CNN_PRED, HANDMADE, RESNET_PRED, history_rows
from reportgen.analysis import analyse
from reportgen.analysis.architecture import layer_table
from reportgen.analysis.conditions import timing, training_conditions
from reportgen.analysis.diagnostics import extreme_classes
from reportgen.analysis.facts import model_facts
from reportgen.analysis.modifications import parents
from reportgen.analysis.pipeline import read_environment
from reportgen.analysis.stats import accuracy_interval
from reportgen.config import validate_experiment
from reportgen.errors import UserError
from reportgen.models import build
from reportgen.rundir import RunDir, open_run, read_experiment
from reportgen.schema.analysis import Analysis
from helpers import A110, THREE, Model, facts


def read_json(path):
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path, value):
    path.write_text(json.dumps(value), encoding="utf-8")

HISTORIES = {
    "Small CNN": history_rows([.5, .6, .7, .75, .8, .82], [.5, .55, .65, .7, .78, .80],
                              [1.0, .9, .8, .7, .6, .55], [1.1, 1.0, .9, .85, .8, .78]),
    "ResNet18": history_rows([.6, .8, .9, .95, .99, 1.0], [.5, .6, .62, .6, .61, .6],
                             [.9, .5, .3, .2, .1, .05], [1.0, .8, .9, 1.4, 1.3, 1.5]),
}


def test_analysis_json_holds_the_new_facts_and_round_trips(make_run):
    raw = json.loads(json.dumps(HANDMADE))
    raw["models"][1]["parent"] = "Small CNN"  # the experiment names what ResNet18 modifies
    path = make_run(predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED}, histories=HISTORIES, raw=raw)
    run = RunDir(path)
    write_json(run.environment, {**read_json(run.environment), "cpu_count": 2})
    for slug, load in (("small-cnn", 1.5), ("resnet18", 3.5)):  # ResNet18 trained on a shared machine
        write_json(run.model(slug).metrics, {**read_json(run.model(slug).metrics), "load_average": load})
    a = analyse(path)
    assert Analysis.model_validate_json(run.analysis.read_text(encoding="utf-8")) == a

    cnn, resnet = a.models
    assert all(m.state is not None and m.state.verdicts for m in a.models)
    assert cnn.state.skew.images == 9 and cnn.state.convergence.window == 2
    assert (cnn.conditions.dropout, resnet.conditions.dropout) == (0.4, None)  # the CNN's default dropout_rate
    assert cnn.conditions.augmentation == resnet.conditions.augmentation == ["hflip"]
    assert (cnn.conditions.frozen_params, cnn.conditions.tuned) == (0, False)
    assert cnn.conditions.trainable_params == cnn.params

    c = a.comparison
    (pair,) = c.pairs
    assert (pair.mdd_alpha, pair.mdd_power) == (0.05, 0.8)
    assert pair.mdd_pp is None  # 2 discordant images of 9: no difference is detectable
    (conclusion,) = c.conclusions
    assert (conclusion.a, conclusion.outcome, conclusion.seed_test) == ("Small CNN", "not_distinguishable", "none")
    assert c.key_finding.reason == "none_distinguishable" and c.supported_best is None
    (modification,) = c.modifications
    assert (modification.model, modification.parent, modification.source, modification.change) == (
        "ResNet18", "Small CNN", "experiment", "")
    # oriented model - parent: ResNet18's 6 of 9 against the CNN's 8, its interval around that
    assert modification.diff_pp == pytest.approx(100 * (6 - 8) / 9) == -pair.diff_pp
    assert modification.diff_ci_pp.low <= modification.diff_pp <= modification.diff_ci_pp.high
    assert modification.outcome == "not_distinguishable" and modification.mdd_pp is None
    assert a.health is not None and a.health.image_size == 16

    t = a.timing
    assert (t.cpu_count, [m.label for m in t.models]) == (2, ["Small CNN", "ResNet18"])
    assert [(m.seconds, m.seeds, m.load_average) for m in t.models] == [(9.0, 1, 1.5), (9.0, 1, 3.5)]
    assert (t.shared, t.comparable) == (["ResNet18"], False)


def timing_of(path):
    """The run's Timing from its files alone (the models' facts, no analysis)."""
    run = open_run(path)
    exp, classes = read_experiment(run), read_json(run.dataset)["classes"]
    return timing([model_facts(spec, run.model(spec.slug), classes, 16) for spec in exp.models], exp, run,
                  read_environment(run))


@pytest.mark.parametrize("cpu_count, loads, shared, comparable", [
    (None, None, [], False),  # a run from before the load was recorded: its times are not ranked
    (4, (1.0, 2.0), [], True),
    (2, (1.5, 2.5), ["ResNet18"], False),
    (2, (1.5, None), [], False),  # one model's load unknown
])
def test_times_are_ranked_only_when_comparable(handmade_run, cpu_count, loads, shared, comparable):
    run = RunDir(handmade_run)
    if cpu_count is not None:
        write_json(run.environment, {**read_json(run.environment), "cpu_count": cpu_count})
        for slug, load in zip(("small-cnn", "resnet18"), loads):
            write_json(run.model(slug).metrics, {**read_json(run.model(slug).metrics), "load_average": load})
    t = timing_of(handmade_run)
    assert (t.cpu_count, t.shared, t.comparable) == (cpu_count, shared, comparable)
    assert [m.load_average for m in t.models] == list(loads or (None, None))


RESNETS = {**HANDMADE, "data": {**HANDMADE["data"], "num_classes": 5}, "models": [
    {"arch": "plain34", "label": "Plain-34"}, {"arch": "resnet34", "label": "ResNet-34"},
    {"arch": "multipath_resnet34", "label": "Multi-Path"}, {"arch": "preact_resnet34", "label": "Pre-activation"}],
    "report": {**HANDMADE["report"], "baseline": "Plain-34"}}


def test_modifications_are_tested_against_their_parent():
    exp = validate_experiment(json.loads(json.dumps(RESNETS)), "resnets")
    assert parents(exp) == [("ResNet-34", "Plain-34", "registry", "skip_connections"),
                            ("Multi-Path", "ResNet-34", "registry", "multipath"),
                            ("Pre-activation", "ResNet-34", "registry", "preactivation")]
    raw = json.loads(json.dumps(RESNETS))
    raw["models"][3]["parent"] = "Plain-34"  # the experiment's own choice replaces the registry's
    raw["models"][2]["parent"] = "ResNet-34"  # ... and keeps its change when it names the same parent
    assert parents(validate_experiment(raw, "resnets"))[1:] == [
        ("Multi-Path", "ResNet-34", "experiment", "multipath"), ("Pre-activation", "Plain-34", "experiment", "")]


@pytest.mark.parametrize("parent", ["ResNet-50", "Pre-activation"])
def test_a_parent_must_be_another_models_label(parent):
    raw = json.loads(json.dumps(RESNETS))
    raw["models"][3]["parent"] = parent
    with pytest.raises(UserError, match=f"models.3.parent '{parent}' is not the label of another model"):
        validate_experiment(raw, "resnets")


def test_plain34_counts_its_frozen_projections():
    net = build("plain34", 5, 32)
    m = facts(Model("Plain-34", A110), THREE)
    m = m.model_copy(update={"architecture": layer_table(net, 32), "params": sum(p.numel() for p in net.parameters())})
    conditions = training_conditions(m, net, [], None)
    assert (conditions.params, conditions.frozen_params) == (21_287_237, 173_824)
    assert conditions.trainable_params == 21_287_237 - 173_824 and conditions.dropout is None


def test_class_lists_keep_every_class_that_meets_the_criterion():
    # 10 classes of 100 images: two near 95 % recall, eight between 30 and 37 %, all below them
    recall = [.95, .94, .30, .31, .32, .33, .34, .35, .36, .37]
    cis = [accuracy_interval(round(100 * r), 100) for r in recall]
    names = [f"c{i}" for i in range(10)]
    worst, shown = extreme_classes(recall, cis, names, best=False)
    assert worst == ["c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"] and shown == 3  # "... and five more"
    best, shown = extreme_classes(recall, cis, names, best=True)
    assert (best, shown) == (["c0", "c1"], 2)
    tied = [.95, .30, .30, .30, .30, .31]  # equal recalls are never split: the list shown grows to 4
    worst, shown = extreme_classes(tied, [accuracy_interval(round(100 * r), 100) for r in tied],
                                   names[:6], best=False)
    assert (len(worst), shown) == (5, 4)
