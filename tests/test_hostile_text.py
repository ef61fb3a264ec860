"""Control and bidirectional characters in user text (labels, titles, class names, file names) reach
no terminal line and no document: ESC cannot drive the terminal (set its title, clear it), a bidi
override cannot reverse a sentence, and rich markup in a label is shown, not obeyed."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w
import torch
from PIL import Image
from typer.testing import CliRunner

from helpers import write_experiment
from reportgen.cli import app
from reportgen.language.text import clean_user_text
from reportgen.progress import Reporter, RichReporter

# A terminal escape that retitles the window, C1's one-byte CSI, and bidi marks and overrides.
HOSTILE = "\x1b]0;owned\x07 \x9b31m \u202eevil\u202c \u200fmark\u061c"
CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c", "\u200f", "\u061c")


def test_clean_user_text_drops_every_control_that_steers_a_terminal_or_the_text_direction():
    from reportgen.language.text import terminal_text

    assert clean_user_text(HOSTILE) == "]0;owned 31m evil mark"
    assert clean_user_text("line one\nline two\tend") == "line one\nline two\tend"  # layout stays
    assert terminal_text("progress 50%\rDONE") == "progress 50%DONE"  # no overwriting what came before


def test_progress_lines_show_a_hostile_label_as_plain_text(capsys):
    reporter = Reporter()
    reporter.start_model(f"CNN {HOSTILE}", 1_000, 2, 3, torch.device("cpu"))
    reporter.end_epoch({"epoch": 1, "train_loss": 1.0, "train_acc": 0.5, "val_loss": 1.0, "val_acc": 0.5,
                        "lr": 0.1, "seconds": 1.0})
    reporter.message(f"[CNN {HOSTILE}] completed")
    err = capsys.readouterr().err
    assert err.count("CNN ]0;owned 31m evil mark") == 3 and not any(c in err for c in CONTROLS)


def test_the_progress_bar_shows_rich_markup_in_a_label_literally():
    """"[/x]" as rich markup is a closing tag without an opening one: MarkupError, mid-training."""
    reporter = RichReporter()
    try:
        reporter.start_model("[/x] [bold]CNN", 1_000, 2, 3, torch.device("cpu"))
        reporter.start_epoch(1)
        reporter.advance()
        reporter.progress.refresh()  # renders the bar's description
    finally:
        reporter.close()


def test_an_error_message_naming_a_hostile_path_is_one_clean_line(tmp_path):
    root = tmp_path / f"data{HOSTILE}"
    path = write_experiment(tmp_path, ('dataset = "synthetic"', f'dataset = "imagefolder"\nroot = "{root}"'))
    path.write_text(path.read_text().replace("\x1b", "\\u001b").replace("\x07", "\\u0007").replace("\x9b", "\\u009b"))
    result = CliRunner().invoke(app, ["run", str(path), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "does not exist" in result.stderr and not any(c in result.stderr for c in CONTROLS)


@pytest.mark.slow
@pytest.mark.parametrize("stored", ["as validated", "by an older reportgen"])
def test_no_control_character_reaches_the_html_report(handmade_run, stored):
    """The narrative, the title block, link texts and model descriptions: from the experiment as a
    run stores it now (cleaned when read), and as an older run stored it (cleaned when rendered)."""
    from reportgen import render
    from reportgen.config import validate_experiment

    run_toml = handmade_run / "experiment.toml"
    raw = tomllib.loads(run_toml.read_text())
    report = raw["report"]
    report.update(title=f"Judul {HOSTILE}", subtitle=HOSTILE, introduction=f"Pengantar {HOSTILE}",
                  objectives=[f"Tujuan {HOSTILE}"], tools_statement=f"Alat {HOSTILE}",
                  links=[{"label": f"Kode {HOSTILE}", "url": "https://example.org/x"}])
    raw["models"][1]["description"] = f"ResNet {HOSTILE}"
    run_toml.write_text(validate_experiment(raw, "t").to_toml() if stored == "as validated" else tomli_w.dumps(raw))
    html = render(handmade_run, "html").read_text(encoding="utf-8")
    assert "Judul ]0;owned 31m evil mark" in html and "Kode ]0;owned" in html
    assert not any(c in html for c in CONTROLS)


def test_a_dataset_named_after_its_folder_is_shown_clean(tmp_path):
    from reportgen.config import validate_experiment

    root = tmp_path / f"foods{HOSTILE}"
    for split in ("train", "test"):
        (root / split / "apple").mkdir(parents=True)
        Image.new("RGB", (8, 8)).save(root / split / "apple" / "0.png")
    exp = validate_experiment({"name": "t", "data": {"dataset": "imagefolder", "root": str(root)},
                               "models": [{"arch": "cnn"}]}, "t")
    assert exp.dataset_name == "foods]0;owned 31m evil mark"
