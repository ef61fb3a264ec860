"""Mistakes and leftovers that get one clear line: the message says what is wrong without burying
it, never echoes a password, and user text cannot turn the documents' text around."""

from typer.testing import CliRunner

from helpers import TUNE_TABLE, write_experiment
from reportgen.cli import app
from reportgen.language.text import clean_user_text

def test_a_missing_dataset_root_is_named_without_the_whole_table(tmp_path):
    root = 'dataset = "imagefolder"\nroot = "/nonexistent/images"'
    path = write_experiment(tmp_path, ('dataset = "synthetic"', root))
    result = CliRunner().invoke(app, ["run", str(path), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2 and "'/nonexistent/images' does not exist" in result.output
    assert "'dataset': 'imagefolder'" not in result.output


def test_a_storage_password_is_never_echoed(tmp_path):
    path = write_experiment(tmp_path, ("fc_neurons = 16 }\n", "fc_neurons = 16 }\n" + TUNE_TABLE))
    for url in ("postgresql://bob:s3cret@127.0.0.1:1/db", "postgresql+nodriver://bob:s3cret@h/db", "bob:s3cret@@://x"):
        result = CliRunner().invoke(app, ["tune", str(path), "--storage", url, "--runs-dir", str(tmp_path / "runs")])
        assert result.exit_code == 2 and "cannot open the study storage" in result.output, result.output
        assert "s3cret" not in result.output and len(result.output.strip().splitlines()) == 1


def test_bidirectional_overrides_are_dropped_from_user_text():
    assert clean_user_text("CNN \u202eKustom\u202c dan \u2067x\u2069") == "CNN Kustom dan x"


def test_resume_removes_temporary_files_a_kill_left_behind(tmp_path):
    from reportgen.config import validate_experiment
    from reportgen.runner import reopen_run, start_run
    from reportgen.rundir import RunDir

    exp = validate_experiment({"name": "t", "data": {"dataset": "synthetic"}, "models": [{"arch": "cnn"}]}, "t")
    run = start_run(exp, RunDir.at(tmp_path / "run"))
    orphans = [run.path / ".analysis.json.abc123.tmp", run.path / "cnn-kustom" / ".last.pt.x9.tmp"]
    for orphan in orphans:
        orphan.parent.mkdir(exist_ok=True)
        orphan.write_bytes(b"half a file")
    reopen_run(exp, run.path)
    assert not any(p.exists() for p in orphans) and run.experiment.is_file()


def test_help_shows_toml_table_names_literally():
    """Help text names TOML tables in brackets ("[tune]"); as rich markup they would vanish."""
    result = CliRunner().invoke(app, ["tune", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "search over [tune]" in result.output and "with a [tune] table" in result.output


def test_progress_counts_one_epoch_and_one_batch_in_the_singular(capsys):
    import torch

    from reportgen.progress import Reporter

    Reporter().start_model("m", 1000, 1, 1, torch.device("cpu"))
    Reporter().start_model("m", 1000, 2, 18, torch.device("cpu"))
    assert capsys.readouterr().err.splitlines() == ["[m] 1,000 parameters, 1 epoch of 1 batch on cpu",
                                                    "[m] 1,000 parameters, 2 epochs of 18 batches on cpu"]
