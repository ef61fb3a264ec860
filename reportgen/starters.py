"""Starter experiments: `reportgen init` copies one of the shipped experiments (the top-level
experiments/ folder, reportgen/experiments in a wheel) to the user's folder, and the messages that
suggest a first command suggest one that works where the user is: in a checkout, its own
experiments/demo.toml; after `pip install`, `reportgen init` first.

A starter marks each line the user must edit for their own data with EDIT_MARK."""

from __future__ import annotations

import re
from pathlib import Path

from reportgen.errors import UserError
from reportgen.resources import EXPERIMENTS_DIR

# template name -> shipped file, in the order `reportgen init --help` lists them
TEMPLATES = {
    "demo": "demo.toml",
    "imagefolder": "imagefolder.toml",
    "csv": "csv.toml",
    "cifar10": "cifar10_cnn_vs_resnet18.toml",
    "tuning": "cifar10_cnn_tuning.toml",
    "resnet34": "resnet34.toml",
}
EDIT_MARK = "# EDIT"
MARKED_KEY = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*=.*" + re.escape(EDIT_MARK))


def template_text(template: str) -> str:
    if template not in TEMPLATES:
        raise UserError(f"--template '{template}' is not a starter; choose one of: {', '.join(TEMPLATES)}")
    return (EXPERIMENTS_DIR / TEMPLATES[template]).read_text(encoding="utf-8")


def marked_keys(text: str) -> list[str]:
    """The dotted keys of the lines marked for editing, e.g. ["data.root"]."""
    table, keys = "", []
    for line in text.splitlines():
        header = re.match(r"^\s*\[+\s*([A-Za-z0-9_.-]+)\s*\]+", line)
        if header:
            table = header.group(1)
        elif match := MARKED_KEY.match(line):
            keys.append(f"{table}.{match.group(1)}" if table else match.group(1))
    return keys


def write_starter(template: str, target: Path | None) -> Path:
    """Write the starter `template` to `target` (a file, or a folder to put it in; default: the
    current folder) and return the file written. An existing file is never replaced."""
    text = template_text(template)
    if target is None:
        path = Path(TEMPLATES[template])
    elif target.is_dir():
        path = target / TEMPLATES[template]
    else:
        path = target
    if path.suffix != ".toml":
        raise UserError(f"'{path}' does not end in .toml; name the experiment file, e.g. {path.with_suffix('.toml')}")
    if path.exists():
        raise UserError(f"'{path}' already exists; name another file (reportgen init NEW.toml) or remove it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:  # "x": a file made meanwhile is not overwritten
            out.write(text)
    except OSError as e:
        raise UserError(f"cannot write '{path}': {e.strerror or e}; choose another PATH") from None
    return path


def next_steps(path: Path) -> str:
    """What to do with a written starter: the keys to edit, then the commands that run it."""
    keys = marked_keys(path.read_text(encoding="utf-8"))
    edit = (f"edit the lines marked '{EDIT_MARK}' ({', '.join(keys)}) or set them with "
            f"--set {keys[0]}=..., then " if keys else "")
    return f"wrote {path}; {edit}run it with:\n  reportgen run {path}\n  reportgen render --format pdf"


def first_run_command() -> str:
    """The command that trains a first run from the current folder."""
    if Path("experiments", TEMPLATES["demo"]).is_file():  # a checkout of reportgen
        return f"reportgen run experiments/{TEMPLATES['demo']}"
    if Path(TEMPLATES["demo"]).is_file():
        return f"reportgen run {TEMPLATES['demo']}"
    return f"reportgen init && reportgen run {TEMPLATES['demo']}"
