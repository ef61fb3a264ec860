"""Tune then compare: one experiment searches one model and compares the tuned model with another
in one report; the tuning section's trials table names every parameter for readers, in both
languages, never by its experiment key ("train.lr", "params.dropout_rate")."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from pptx import Presentation
from typer.testing import CliRunner

from reportgen import render
from reportgen.analysis import load_analysis
from reportgen.schema.analysis import Tuning, TuningTrial
from reportgen.cli import app
from reportgen.config import TrainConfig, load_experiment
from reportgen.language.parameters import parameter_name
from reportgen.language.phrases import LANGUAGES, Phrases
from reportgen.models import ARCHITECTURES
from reportgen.report import build_document
from reportgen.analysis.verdicts import judge
from reportgen.report.tuning import TOP_TRIALS
from reportgen.tune import best_experiment, grid_points, trial_experiment

from helpers import write_experiment

# TINY plus a second model, the comparison's baseline, and a two-point grid over the first one
# ("c"): a learning rate and a dropout rate, so the table has two parameter columns.
SECOND_MODEL = """
[[models]]
arch = "cnn"
label = "d"
params = { conv_filters = [4, 4, 4], fc_neurons = 8 }
[report]
baseline = "d"
[tune]
model = "c"
pruner = "none"
space = { "train.lr" = [0.05, 0.01], "params.dropout_rate" = [0.25] }
"""
# What a reader must never see in the tuning section: the experiment keys of the space.
KEY_IDS = re.compile(r"train\.|params\.|\blr\b|dropout_rate|conv_filters|batch_size|weight_decay")


@pytest.fixture(scope="module")
def tuned_run(tmp_path_factory) -> tuple[Path, Path]:
    """`reportgen tune --run` on the two-model experiment: (its tune folder, best.toml's run)."""
    folder = tmp_path_factory.mktemp("tune-then-best")
    experiment = write_experiment(folder, ("epochs = 1", "epochs = 2"))
    experiment.write_text(experiment.read_text() + SECOND_MODEL)
    result = CliRunner().invoke(app, ["tune", str(experiment), "--run", "--runs-dir", str(folder / "runs")])
    assert result.exit_code == 0, result.output
    *_, out, run_dir = result.stdout.strip().splitlines()
    return Path(out), Path(run_dir)


def tuning_html(run_dir: Path, lang: str) -> str:
    """The rendered page's tuning section: from its heading to the next section."""
    html = render(run_dir, "html", lang=lang).read_text(encoding="utf-8")
    start = html.index(Phrases(lang)("ui.section.tuning") + "</h3>")
    # without the embedded figures: base64 text could hold any short word
    return re.sub(r'src="[^"]*"', "", html[start:html.index("<h2", start)])


@pytest.mark.slow
def test_tune_then_best_is_one_report_with_the_search_and_both_models(tuned_run):
    out, run_dir = tuned_run
    summary = json.loads((out / "summary.json").read_text())
    assert [t["state"] for t in summary["trials"]] == ["complete", "complete"]
    assert all(t["epochs"] == 2 for t in summary["trials"])  # epochs trained, recorded per trial
    # The trials trained the searched model alone; best.toml keeps both, and its run trained both.
    assert all(sorted(p.name for p in Path(t["run_dir"]).iterdir() if (p / "metrics.json").is_file()) == ["c"]
               for t in summary["trials"])
    assert [m["label"] for m in tomllib.loads((out / "best.toml").read_text())["models"]] == ["c", "d"]
    assert run_dir.parent == out.parent  # the same runs folder: runs/<name>/

    analysis = load_analysis(run_dir)
    doc = build_document(analysis, "id")
    assert [m.label for m in analysis.models if m.accuracy is not None] == ["c", "d"]
    # the search chose c's configuration (dropout 0.25 from its space), not d's
    assert [(m.conditions.tuned, m.conditions.dropout) for m in analysis.models] == [(True, 0.25), (False, 0.4)]
    assert {row[0] for row in doc.table("table-comparison").rows} >= {"c", "d"}
    trials = doc.table("table-trials")
    assert trials.header == ["Trial", "Laju pembelajaran", "Dropout", "Akurasi validasi", "Status", "Epoch",
                             "Waktu (detik)"]
    assert len(trials.rows) == 2 and trials.title.startswith("Semua 2 trial menurut akurasi validasi")
    best = summary["best"]
    assert trials.rows[0][:3] == [f"#{best['number']}", "0,05" if best["params"]["train.lr"] == 0.05 else "0,01",
                                  "0,25"]
    assert trials.rows[0][4:6] == ["selesai", "2"]

    # One page holds the search's trials table and both models' results.
    page = render(run_dir, "html").read_text(encoding="utf-8")
    for text in ("Hyperparameter Tuning", "Semua 2 trial menurut akurasi validasi", "<th>Laju pembelajaran</th>",
                 "<td>c</td>", "<td>d</td>"):  # the last two: each model's row in the comparison tables
        assert text in page, text
    assert len(re.findall(r"<td>#\d+</td>", page)) == 2  # a row per trial


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_parameter_key_in_the_tuning_section(tuned_run, lang):
    _, run_dir = tuned_run
    section = tuning_html(run_dir, lang)
    t = Phrases(lang)
    assert t("ui.train.lr") in section and t("ui.arch_param.dropout_rate") in section
    assert not KEY_IDS.search(section), KEY_IDS.search(section)
    # The deck's tuning slides: the bullets, the space table and the trials table.
    titles = (t("deck.tuning"), t("ui.caption.tuning_trials_all", count=2, metric=t("narrative.monitor.val_acc")))
    texts = []
    for slide in Presentation(render(run_dir, "pptx", lang=lang)).slides:
        shapes = list(slide.shapes)
        if shapes[0].text_frame.text.startswith(titles):  # a slide's first shape is its title
            texts += [sh.text_frame.text for sh in shapes if sh.has_text_frame]
            texts += [c.text for sh in shapes if sh.has_table for r in sh.table.rows for c in r.cells]
    tuning = " ".join(texts)
    assert t("ui.train.lr") in tuning and "#0" in tuning and "#1" in tuning
    assert not KEY_IDS.search(tuning), KEY_IDS.search(tuning)


def test_every_searchable_key_has_a_reader_name():
    """A space may name any [train] field or any architecture's parameter: each has a phrase."""
    keys = [f"train.{name}" for name in TrainConfig.model_fields]
    keys += [f"params.{name}" for arch in ARCHITECTURES.values() if arch.params_model
             for name in arch.params_model.model_fields]
    for lang in LANGUAGES:
        t = Phrases(lang)
        names = {key: parameter_name(t, key) for key in keys}
        assert not any(KEY_IDS.search(name) for name in names.values()), names
    assert parameter_name(Phrases("id"), "params.conv_filters") == "Filter konvolusi"


@pytest.mark.slow
def test_trials_table_shows_the_top_trials_completed_first(analysed_run):
    """Twelve trials: the table shows the top ten by the metric, completed ones before those the
    pruner stopped (whose value is from fewer epochs), and says how many of how many it shows."""
    analysis = load_analysis(analysed_run)
    values = [0.50, 0.90, 0.70, 0.60, 0.80, 0.55, 0.65, 0.75, 0.85, 0.45, 0.40, 0.95]
    states = ["complete"] * 11 + ["pruned"]
    trials = [TuningTrial(number=i, state=s, value=v, params={"train.lr": 0.001 * (i + 1),
                                                              "params.conv_filters": [4, 8, 8]},
                          seconds=12.25, epochs=3) for i, (v, s) in enumerate(zip(values, states))]
    analysis.tuning = Tuning(model="Small CNN", sampler="grid", pruner="median", metric="val_acc",
                             direction="maximize", space={"train.lr": [0.001 * (i + 1) for i in range(12)],
                                                          "params.conv_filters": [[4, 8, 8]]},
                             train=analysis.models[0].train_config, trials=trials, best=trials[1],
                             importances={"train.lr": 0.75, "params.conv_filters": 0.25}, search_seconds=200.0,
                             figure="tuning/search")
    judge(analysis)
    for lang in LANGUAGES:
        doc = build_document(analysis, lang)
        trials, (importance,) = doc.table("table-trials"), doc.sentences("text-tuning-best")
        assert len(trials.rows) == TOP_TRIALS
        assert [row[0] for row in trials.rows] == ["#1", "#8", "#4", "#7", "#2", "#6", "#3", "#5", "#0", "#9"]
        assert KEY_IDS.search(importance) is None and Phrases(lang)("ui.train.lr").lower() in importance
    doc = build_document(analysis, "id")
    trials = doc.table("table-trials")
    assert trials.title == "10 trial teratas dari 12 menurut akurasi validasi (trial yang selesai lebih dulu)"
    assert trials.rows[0][1:] == ["0,002", "(4; 8; 8)", "90,00%", "selesai", "3", "12,2"]
    assert doc.table("table-tuning-space").rows[1][:2] == ["Filter konvolusi", "(4; 8; 8)"]
    assert "dihentikan oleh pruner median" in doc.sentences("text-tuning-intro")[0]
    # the Kesimpulan says what the search chose, and from how much of its space
    assert any("mencoba 12 dari 12 konfigurasi" in item and "trial 1 (akurasi validasi 90,00%)" in item
               for item in doc.sentences("list-conclusion"))
    # Optuna splits the importance evenly when too few trials tell the parameters apart: no "most"
    analysis.tuning.importances = {"train.lr": 0.5, "params.conv_filters": 0.5}
    judge(analysis)
    for lang, said in (("id", "porsi yang sama (50,00%)"), ("en", "the same share (50.00%)")):
        (text,) = build_document(analysis, lang).sentences("text-tuning-best")
        assert said in text and "paling" not in text and "most" not in text


def test_a_summary_without_epochs_still_loads():
    """Summaries written before epochs were recorded: the table says "–"."""
    trial = TuningTrial.model_validate({"number": 0, "state": "complete", "value": 0.5, "params": {}, "seconds": 1.0})
    assert trial.epochs is None


def test_the_shipped_search_compares_the_tuned_cnn_with_resnet18(tmp_path):
    """experiments/cifar10_cnn_tuning.toml is the reference deck's path: its trials train the CNN alone,
    its best.toml trains the chosen CNN and ResNet18 with the deck's recipe."""
    exp = load_experiment(Path(__file__).parents[1] / "experiments" / "cifar10_cnn_tuning.toml")
    point = grid_points(exp.tune.space)[0]
    assert [m.label for m in trial_experiment(exp, point).models] == ["CNN Kustom"]
    summary = tmp_path / "summary.json"
    summary.write_text("{}")
    best = best_experiment(exp, point, summary)
    assert [(m.arch, m.label) for m in best.models] == [("cnn", "CNN Kustom"), ("resnet18_cifar", "ResNet18")]
    resnet = best.models[1].train
    assert (resnet.optimizer, resnet.lr, resnet.scheduler, resnet.epochs) == ("sgd", 0.1, "cosine", 60)
    assert best.report.baseline == "CNN Kustom" and len(best.report.objectives) == 3
