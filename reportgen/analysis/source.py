"""A model's own source for the report: the run's record of it (<model>/model.py, written when its
training began), or, for a run older than that record, the installed reportgen's, said as such."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from reportgen.schema.analysis import ModelCode
from reportgen.errors import UserError
from reportgen.models import ARCHITECTURES
from reportgen.resources import SOURCE_ROOT
from reportgen.rundir import ModelDir, RunDir, present, read_run_text


def model_code(arch: str, model_dir: ModelDir, run: RunDir) -> ModelCode | None:
    """The listing of a model; None for an architecture that names no code of its own."""
    entry = ARCHITECTURES[arch]
    if present(model_dir.code):
        text, origin, path = read_run_text(model_dir.code, run.path), "run", model_dir.code.relative_to(run.path)
    elif entry.code:
        text, origin = entry.source(), "installed"
        path = Path(inspect.getsourcefile(entry.code[0])).resolve().relative_to(SOURCE_ROOT)
    else:
        return None
    try:
        names = [node.name for node in ast.parse(text).body
                 if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))]
    except SyntaxError as e:
        raise UserError(f"{model_dir.code} is not Python source (line {e.lineno}): it is damaged. Delete it and the "
                        "report lists the installed reportgen's code of the model instead, saying so") from None
    return ModelCode(text=text, names=names, origin=origin, path=str(path))
