"""Ctrl-C at any instant of a command ends in one line and exit code 130: while the command line and
the heavy libraries are still being imported, and while a new run loads its data or trains its
first epoch (which also leaves no run directory behind: nothing in it could be resumed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import write_experiment, write_search

# The child: SIGINT to itself the moment `target` starts to be imported, then `python -m reportgen`.
INTERRUPTED_IMPORT = """
import importlib.abc, os, runpy, signal, sys

class InterruptAt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == {target!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)  # delivered at the next bytecode: inside this import
        return None

sys.meta_path.insert(0, InterruptAt())
sys.argv = ["reportgen", *{args!r}]
runpy.run_module("reportgen", run_name="__main__", alter_sys=True)
"""


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}


@pytest.mark.slow
@pytest.mark.parametrize("target, command", [("typer", "render"), ("matplotlib", "render"), ("torch", "run"),
                                             ("torch._C", "run"), ("optuna", "tune")])
def test_ctrl_c_while_a_library_is_imported_is_one_message(tmp_path, target, command):
    # Each library where a command imports it: render imports no torch, run imports it for a valid experiment.
    args = (["render", str(tmp_path / "no-such-run"), "--format", "pdf"] if command == "render" else
            [command, str((write_experiment if command == "run" else write_search)(tmp_path))])
    proc = subprocess.run([sys.executable, "-c", INTERRUPTED_IMPORT.format(target=target, args=args)],
                          capture_output=True, text=True, timeout=300, env=child_env(), cwd=tmp_path)
    assert proc.returncode == 130, proc.stderr[-2000:]
    # One message: its line, and for a search the command that continues it (nothing else, no traceback).
    first, *rest = proc.stderr.strip().splitlines() or [""]
    assert first.startswith("error: interrupted"), proc.stderr[-2000:]
    assert rest == ([f"  reportgen tune {args[1]} --runs-dir runs"] if command == "tune" else []), proc.stderr[-2000:]


@pytest.mark.slow
def test_ctrl_c_before_the_first_epoch_leaves_no_run_directory(tmp_path):
    path = write_experiment(tmp_path, ("image_size = 16", "image_size = 32\nsamples_per_class = 3000"))
    proc = subprocess.Popen([sys.executable, "-m", "reportgen", "run", str(path)], cwd=tmp_path,
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=child_env())
    for line in proc.stderr:  # the data is loaded, the first epoch starts
        if line.startswith("run directory:"):
            break
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "error: interrupted before any epoch finished; nothing was kept"
    assert "Traceback" not in stderr and stdout == ""
    assert not (tmp_path / "runs").exists()
