"""The run files' schemas: importable without torch or matplotlib, every tree survives its own
JSON (NaN, infinities, empty and zero values included), and a file of another schema version is
recognised as such."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from reportgen.language.format import Formatter
from reportgen.rundir import OtherVersion, read_model, write_model
from reportgen.schema.analysis import Analysis, FeatureMapCase, StageActivation
from reportgen.schema.base import ANALYSIS_VERSION, METRICS_VERSION
from reportgen.schema.run import DatasetFile, EnvironmentFile, MetricsFile, TuningSummary

REPO = Path(__file__).resolve().parent.parent


def test_the_schema_package_imports_neither_torch_nor_matplotlib():
    # reportgen.config holds the experiment copy's schema (experiment.toml)
    code = ("import sys, reportgen.schema.analysis, reportgen.schema.run, reportgen.schema.base, reportgen.config; "
            "print(sorted(m for m in ('torch', 'matplotlib', 'torchvision') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True,
                         env={"PYTHONPATH": str(REPO)})
    assert out.stdout.strip() == "[]", out.stdout


# --- every float anywhere in a tree: finite, zero, NaN, infinite, or missing ---------------------

FLOATS = st.one_of(st.just(0.0), st.just(-0.0), st.just(math.nan), st.just(math.inf), st.just(-math.inf),
                   st.floats(allow_nan=True, allow_infinity=True))
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**53, 2**53), st.text(max_size=5),
                         st.floats(allow_nan=False, allow_infinity=False))
# The untyped tables (an experiment, a model's params): what a JSON file holds, finite numbers only.
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=2), st.dictionaries(st.text(max_size=4), inner, max_size=2)), max_leaves=4)


def strategy(annotation) -> st.SearchStrategy:
    """Values of a schema field's type, floats drawn from FLOATS wherever one can appear."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return strategy(args[0])
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy(a) for a in args))
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is list:
        return st.lists(strategy(args[0]), max_size=2)
    if origin is dict:
        return st.dictionaries(st.text(max_size=4), strategy(args[1]), max_size=2)
    if annotation is list:
        return st.lists(JSON_VALUES, max_size=2)
    if annotation is dict:
        return st.dictionaries(st.text(max_size=4), JSON_VALUES, max_size=2)
    if annotation is type(None):
        return st.none()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_strategy(annotation)
    return {float: FLOATS, int: st.integers(-2**53, 2**53), str: st.text(max_size=6), bool: st.booleans()}[annotation]


def model_strategy(model: type[BaseModel]) -> st.SearchStrategy:
    """Every field of `model` set (those with defaults too), as the dict a file would hold."""
    fields = {name: strategy(info.annotation) for name, info in model.model_fields.items() if name != "schema_version"}
    return st.fixed_dictionaries(fields).map(model.model_validate)


TREES = st.one_of(model_strategy(Analysis), model_strategy(MetricsFile), model_strategy(DatasetFile),
                  model_strategy(EnvironmentFile), model_strategy(TuningSummary))


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(TREES)
def test_every_run_file_survives_its_own_json(tree):
    text = tree.model_dump_json()
    assert type(tree).model_validate_json(text) == tree
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in strict JSON"))


def test_a_non_finite_activation_is_null_in_the_file_and_read_back():
    """The feature-map stage of a model whose activations overflowed: its mean is not a number."""
    stage = StageActivation(stage="layer4", shape=[512, 4, 4], mean=float("nan"), active_fraction=0.0)
    case = FeatureMapCase(correct=False, index=3, true_label="cat", pred_label="dog", confidence=float("inf"),
                          stages=[stage], figure="m/figures/fm.png")
    text = case.model_dump_json()
    assert '"mean":null' in text and '"confidence":null' in text
    assert FeatureMapCase.model_validate_json(text) == case


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_value_that_is_not_finite_prints_as_a_dash(lang):
    f = Formatter(lang)
    for value in (None, float("nan"), float("inf"), -float("inf")):
        shown = [f.percent(value), f.pp(value), f.decimal(value), f.number(value), f.integer(value),
                 f.seconds(value), f.change_pct(value), f.p_value(value), f.general(value), f.vector([value])]
        assert all("nan" not in s.lower() and "inf" not in s.lower() and "–" in s for s in shown), shown


# --- versions ---------------------------------------------------------------------------------

def metrics(**changes) -> dict:
    record = {"label": "c", "slug": "c", "arch": "cnn", "seed": 1, "status": "completed", "classes": ["a", "b"],
              "eval_split": "test", "monitor": "val_acc", "best_epoch": 1, "epochs_run": 1, "stopped_early": False,
              "diverged": False, "train_seconds": 1.0, "precision": "fp32", "params": 10}
    return {**record, **changes}


def test_a_file_written_before_versions_is_read_and_one_of_another_version_is_refused(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(metrics()))
    assert read_model(path, tmp_path, MetricsFile, "").schema_version == METRICS_VERSION
    for version in (METRICS_VERSION + 1, 0):
        path.write_text(json.dumps(metrics(schema_version=version)))
        with pytest.raises(OtherVersion, match=rf"{path}.*schema version {version}.*reads version {METRICS_VERSION}"):
            read_model(path, tmp_path, MetricsFile, "")
    write_model(path, MetricsFile(**metrics()))
    assert json.loads(path.read_text())["schema_version"] == METRICS_VERSION


def test_an_analysis_without_a_version_is_stale(tmp_path):
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps({"run_dir": "x"}))
    with pytest.raises(OtherVersion, match="before run files had schema versions"):
        read_model(path, tmp_path, Analysis, "")
    path.write_text(json.dumps({"schema_version": ANALYSIS_VERSION + 1}))
    with pytest.raises(OtherVersion, match=f"schema version {ANALYSIS_VERSION + 1}.*newer reportgen"):
        read_model(path, tmp_path, Analysis, "")
