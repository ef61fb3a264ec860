"""Repeated seeds (`train.seeds`): every seed's files in one run, resume per seed, mean ± sd equal
to the per-seed files, the Welch test behind every seed-level claim, and the tuning search's single seed."""

import csv
import json

import numpy as np
import pytest
from pptx import Presentation
from scipy.stats import ttest_ind

import reportgen.train.loop
from reportgen import render
from reportgen.analysis import analyse, load_analysis
from reportgen.config import load_experiment
from reportgen.errors import UserError
from reportgen.progress import Reporter
from reportgen.report import build_document
from reportgen.config import validate_experiment
from reportgen.rundir import HISTORY_COLUMNS, RunDir, write_csv, write_model
from reportgen.runner import prepare_run, run_experiment
from reportgen.tune import search, trial_experiment
from helpers import (CNN_PRED, HANDMADE, RESNET_PRED, TRUE, TUNE_TABLE, handmade_metrics, history_rows,
                            write_experiment)

FILES = ("history.csv", "predictions.csv", "metrics.json", "best.pt", "last.pt")
TWO_MODELS = ('label = "c"\nparams = { conv_filters = [4, 8, 8], fc_neurons = 16 }',
              'label = "c"\nparams = { conv_filters = [4, 8, 8], fc_neurons = 16 }\n'
              '[[models]]\narch = "cnn"\nlabel = "d"\nparams = { conv_filters = [4, 4, 8], fc_neurons = 8 }')


def seeded(folder, seeds="[5, 6]", *edits):
    return write_experiment(folder, ('device = "cpu"', f'device = "cpu"\nseeds = {seeds}'), *edits)


def train(path, runs_dir, resume=None):
    exp = load_experiment(path)
    run = prepare_run(exp, runs_dir, resume)
    run_experiment(exp, run, Reporter(quiet=True))
    return run


def read_csv(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def history(model_dir) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in read_csv(model_dir / "history.csv")]


@pytest.fixture(scope="module")
def two_seed_run(tmp_path_factory):
    """Two models, seeds 5 and 6, one epoch each: trained once for the tests that only read it."""
    folder = tmp_path_factory.mktemp("two-seeds")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REPORTGEN_CACHE", str(folder / "cache"))
        return train(seeded(folder, "[5, 6]", TWO_MODELS), folder / "runs")


def test_every_seed_has_its_own_model_folder(two_seed_run, tmp_path):
    run = two_seed_run
    for slug in ("c", "d"):
        for seed, folder in ((5, run.path / slug), (6, run.path / slug / "seeds" / "6")):
            assert all((folder / name).is_file() for name in FILES), folder
            assert json.loads((folder / "metrics.json").read_text())["seed"] == seed
        # The split keeps `seed`: every seed is evaluated on the same images.
        labels = [[r["label"] for r in read_csv(f / "predictions.csv")] for f in (folder.parent.parent, folder)]
        assert labels[0] == labels[1]
    assert not (run.path / "c" / "seeds" / "5").exists()

    # The first seed's folder is exactly what a run of that seed alone trains.
    single = train(seeded(tmp_path, "[5]"), tmp_path / "runs")
    assert not (single.path / "c" / "seeds").exists()
    assert history(single.path / "c") == history(run.path / "c")
    assert history(run.path / "c" / "seeds" / "6") != history(run.path / "c")


def test_mean_and_sd_are_those_of_the_seed_files(two_seed_run):
    analysis = json.loads((two_seed_run.path / "analysis.json").read_text())
    for m in analysis["models"]:
        folders = [two_seed_run.path / m["slug"], two_seed_run.path / m["slug"] / "seeds" / "6"]
        metrics = [json.loads((f / "metrics.json").read_text()) for f in folders]
        s = m["seeds"]
        assert [r["seed"] for r in s["seeds"]] == [5, 6] and s["figure_seed"] == 5
        for key, field in (("accuracy", "accuracy"), ("macro_f1", "macro")):
            values = [x[field] if key == "accuracy" else x[field]["f1"] for x in metrics]
            assert s[key]["mean"] == pytest.approx(np.mean(values))
            assert s[key]["sd"] == pytest.approx(np.std(values, ddof=1))
            assert s[key]["n"] == 2
        assert [r["best_epoch"] for r in s["seeds"]] == [x["best_epoch"] for x in metrics]
    (test,) = analysis["comparison"]["seed_tests"]
    samples = {m["label"]: [r["accuracy"] for r in m["seeds"]["seeds"]] for m in analysis["models"]}
    if test["p_value"] is not None:
        expected = ttest_ind(samples[test["a"]], samples[test["b"]], equal_var=False)
        assert test["p_value"] == pytest.approx(expected.pvalue) and test["df"] == pytest.approx(expected.df)
    assert (test["n_a"], test["n_b"]) == (2, 2)


@pytest.mark.slow
def test_report_and_deck_show_mean_sd_and_the_seed_tables(two_seed_run):
    doc = build_document(analyse(two_seed_run.path), "en")
    seeds = doc.table("table-seeds-c")
    assert [row[0] for row in seeds.rows] == ["5 (figures)", "6", "Mean ± sd (n = 2)"]
    assert " ± " in seeds.rows[-1][2] and seeds.rows[-1][2].endswith(" pp")
    assert [row[0] for row in doc.table("table-seed-accuracy").rows] == ["5", "6", "Mean", "Standard deviation"]
    # compared models: the summaries across models in the body, each model's seeds and the exploratory
    # test (2 seeds each) in the appendix, which the body points to
    body = {getattr(node, "id", "") for section in doc.body for node in section.nodes()}
    appendix = {getattr(node, "id", "") for node in doc.find("appendix-seeds").nodes()}
    assert {"table-seed-summary", "table-seed-accuracy"} <= body and not {"table-seeds-c", "table-seeds-d"} & body
    assert {"table-seeds-c", "table-seeds-d", "text-seeds-c", "text-seed-tests-exploratory"} <= appendix
    assert any(n.startswith("Exploratory, not a finding") for n in doc.sentences("text-seed-tests-exploratory"))
    pointer, *_ = doc.sentences("text-seed-tests")
    assert "exploratory" in pointer and doc.find("appendix-seeds").label in pointer
    html = render(two_seed_run.path, "html", lang="en").read_text()
    assert "Results of c per seed" in html and "Mean ± standard deviation over the seeds" in html
    assert "come from the first seed (5)" in html and "Welch" in html
    assert "Seed 42 fixes the data split; every model is trained once per seed (5 and 6" in html
    deck = Presentation(render(two_seed_run.path, "pptx"))
    cells = " ".join(cell.text for slide in deck.slides for shape in slide.shapes if shape.has_table
                     for row in shape.table.rows for cell in row.cells)
    # the summary of every model's seeds (its "n (seed)" column), and each seed's accuracy (backup)
    assert "n (seed)" in cells and "Simpangan baku" in cells


def test_resume_continues_only_the_interrupted_seed(tmp_path, monkeypatch):
    path = seeded(tmp_path, "[5, 6]", ("epochs = 1", "epochs = 2"))
    reference = train(path, tmp_path / "reference")

    real, calls = reportgen.train.train_one_epoch, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:  # seed 5: epochs 1-2, seed 6: epoch 1, then Ctrl-C in its second epoch
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(reportgen.train.loop, "train_one_epoch", interrupted)
    exp = load_experiment(path)
    run = prepare_run(exp, tmp_path / "runs")
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, run, Reporter(quiet=True))
    first, second = run.path / "c", run.path / "c" / "seeds" / "6"
    assert (first / "metrics.json").is_file() and not (second / "metrics.json").exists()
    assert len(history(second)) == 1
    stamps = {f: f.stat().st_mtime_ns for f in first.iterdir() if f.is_file()}

    calls.clear()
    train(path, None, resume=run.path)
    assert len(calls) == 1  # only seed 6's second epoch
    assert {f: f.stat().st_mtime_ns for f in stamps} == stamps  # the finished seed untouched
    assert history(second) == history(reference.path / "c" / "seeds" / "6")


def add_seed(run_path, raw, label, seed, preds, rows):
    """A further seed's files, made by hand like conftest's make_run."""
    spec = validate_experiment(raw, "handmade").model(label).with_seed(seed)
    out = RunDir(run_path).model(spec.slug).seed(seed)
    write_csv(out.history, HISTORY_COLUMNS, rows)
    write_csv(out.predictions, ["index", "label", "pred", "prob_0", "prob_1", "prob_2"],
              [[i, y, p, *[0.8 if c == p else 0.1 for c in range(3)]] for i, (y, p) in enumerate(zip(TRUE, preds))])
    write_model(out.metrics, handmade_metrics(spec, rows, ["0", "1", "2"], params=1))


def with_seeds(cnn: list[list[int]], resnet: list[list[int]]):
    """HANDMADE with seeds [42, 43, 44], the CNN's and ResNet18's predictions per further seed."""
    raw = json.loads(json.dumps(HANDMADE))
    raw["train"]["seeds"] = [42, 43, 44]
    rows = history_rows([.5, .6], [.5, .6], [1.0, .9], [1.1, 1.0])
    return raw, rows, cnn, resnet


RIGHT_7 = [0, 0, 0, 1, 1, 2, 2, 2, 0]  # 7 of 9
RIGHT_5 = [0, 1, 1, 1, 1, 1, 2, 0, 0]  # 5 of 9


@pytest.mark.slow
@pytest.mark.parametrize("cnn, resnet, verdict", [
    ([RIGHT_7, CNN_PRED], [RIGHT_5, RESNET_PRED], "more accurate than"),  # 8,7,8 vs 6,5,6 of 9: p = 0.013
    ([RESNET_PRED, RIGHT_7], [CNN_PRED, RIGHT_7], "is not significant"),  # 8,6,7 vs 6,8,7: equal means
    ([RIGHT_7, CNN_PRED], [CNN_PRED, RIGHT_5], "is not significant"),  # 8,7,8 vs 6,8,5: higher mean, p = 0.27
    ([CNN_PRED, CNN_PRED], [RESNET_PRED, RESNET_PRED], "is undefined"),  # no variation at all
])
def test_a_model_is_better_across_seeds_only_when_welch_says_so(make_run, cnn, resnet, verdict):
    raw, rows, cnn, resnet = with_seeds(cnn, resnet)
    run_path = make_run(predictions={"Small CNN": CNN_PRED, "ResNet18": RESNET_PRED},
                        histories={"Small CNN": rows, "ResNet18": rows}, raw=raw)
    for label, preds in (("Small CNN", cnn), ("ResNet18", resnet)):
        for seed, p in zip((43, 44), preds):
            add_seed(run_path, raw, label, seed, p, rows)
    analysis = analyse(run_path)
    (test,) = analysis.comparison.seed_tests
    assert test.significant == (verdict == "more accurate than")
    notes = build_document(analysis, "en").sentences("text-seed-tests")
    pair = next(n for n in notes if "Small CNN" in n and "ResNet18" in n)
    assert verdict in pair and ("more accurate than" in pair) == test.significant
    if test.p_adjusted is not None:
        sample = {m.label: [r.accuracy for r in m.seeds.seeds] for m in analysis.models}
        assert test.p_value == pytest.approx(ttest_ind(sample[test.a], sample[test.b], equal_var=False).pvalue)
    indonesian = build_document(analysis, "id").sentences("text-seed-tests")
    assert any("n = 3" in n for n in indonesian) and "uji t welch" in " ".join(indonesian).lower()
    # the Kesimpulan carries the seed-level verdict too, and claims only what the test supports
    across = [s for s in build_document(analysis, "en").sentences("list-conclusion")
              if s.startswith("Over at least 3 seeds")]
    if test.p_adjusted is None:
        assert across == []
    else:
        assert len(across) == 1 and ("more accurate than" in across[0]) == test.significant


def test_one_seed_documents_have_no_seed_tables(rendered):
    analysis = load_analysis(rendered("html").parent)
    assert all(m.seeds is None for m in analysis.models) and analysis.comparison.seed_tests == []
    doc = build_document(analysis, "id")
    ids = [getattr(node, "id", "") for node in doc.nodes()]
    assert ids and not [id for id in ids if id.startswith(("table-seeds-", "table-seed-"))]
    assert doc.sentences("text-seed-note")[0].startswith("Seed 42 dipakai untuk pembagian data, inisialisasi bobot")
    html = rendered("html").read_text()
    assert "per seed" not in html and "Rata-rata ± simpangan baku atas seed" not in html


def test_seeds_must_be_distinct_and_not_empty(tmp_path):
    path = write_experiment(tmp_path)
    for value, expected in (("[]", "at least 1 item"), ("[1, 2, 1]", "must be distinct"), ('["a"]', "integer")):
        with pytest.raises(UserError, match="train.seeds") as error:
            load_experiment(path, [f"train.seeds={value}"])
        assert expected in str(error.value)
    assert load_experiment(path, ["train.seeds=[42,43,44]"]).models[0].train.run_seeds == [42, 43, 44]
    assert load_experiment(path).models[0].train.run_seeds == [42]


def test_tune_trains_each_trial_once_with_the_first_seed(tmp_path):
    path = seeded(tmp_path, "[7, 8]")
    path.write_text(path.read_text() + TUNE_TABLE)
    exp = load_experiment(path)
    trial = trial_experiment(exp, {"train.lr": 0.1})
    assert trial.models[0].train.run_seeds == [7] and trial.train.seeds is None
    assert trial.train.seed == exp.train.seed  # the data split is the study's

    messages = []
    reporter = Reporter(quiet=True)
    reporter.message = messages.append
    out = search(path, [], tmp_path / "runs", None, 1, reporter)
    assert any("each trial trains once, with seed 7" in m for m in messages)
    (trial_dir,) = (tmp_path / "runs" / "t" / "tune").glob("trial-*")
    assert json.loads((trial_dir / "c" / "metrics.json").read_text())["seed"] == 7
    assert not (trial_dir / "c" / "seeds").exists()
    # best.toml keeps the seeds: its run repeats the chosen point once per seed.
    assert load_experiment(out / "best.toml").models[0].train.run_seeds == [7, 8]
