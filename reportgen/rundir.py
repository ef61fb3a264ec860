"""Run-directory layout (the README's "What a run directory holds"), atomic writes and safe reads.
The run directory is the only thing training, analysis and rendering share.

    runs/<name>/<YYYYmmdd-HHMMSS>/
      experiment.toml  environment.json  dataset.json  analysis.json  [tuning.json]  [logo.png]
      figure-data/   what the pictures are drawn from (reportgen/figures/files.py)
      figures/<lang>/   the figures as last drawn in each language (a cache)
      [run.lock]      while `reportgen run` trains it (or after it was killed)
      <model-slug>/history.csv metrics.json predictions.csv best.pt last.pt model.py
      <model-slug>/seeds/<seed>/...   the same files for each further seed of `train.seeds`

Writes: `write_model` (a typed run file as JSON), `write_csv`, `save_torch`, all atomic.
Reads: a run directory may come from anyone (copied, downloaded, tampered with), so every file is
read through `open_run_file`: resolved inside the run directory, a regular file (no link leading
out of the run, no FIFO or device), within its kind's size limit. `read_model` adds the schema
version check and validation of a typed run file.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import itertools
import json
import os
import stat
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ValidationError

from reportgen.config import DataConfig, Experiment, validate_stored_experiment
from reportgen.errors import UserError
from reportgen.schema.base import RunFile
# HISTORY_COLUMNS: history.csv's header, declared by its schema; the writers import it from here.
from reportgen.schema.run import HISTORY_COLUMNS, Environment, EnvironmentFile  # noqa: F401
from reportgen.starters import first_run_command

# The most bytes a file of each kind in a run directory may have: far above what reportgen
# writes (a 100-class, 4-model analysis.json is a few MB), low enough that a hostile file cannot
# exhaust memory.
SIZE_LIMITS = {".json": 256 << 20, ".csv": 1 << 30, ".toml": 1 << 20, ".py": 1 << 20, ".png": 64 << 20, ".pdf": 64 << 20,
               ".pt": 16 << 30, ".md": 1 << 20, ".npz": 512 << 20}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename: a reader (or a crash)
    sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide results from other users
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_writable(folder: Path) -> None:
    """Raise the OSError a write into `folder` would (a read-only file system, no permission)."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".probe.", suffix=".tmp")
    os.close(fd)
    os.unlink(tmp)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_model(path: Path, model: BaseModel) -> None:
    """A typed run file as JSON. Its schema holds a number that is not finite as None, so the file
    is strict JSON (null, never NaN) and validates when read back."""
    atomic_write_text(path, model.model_dump_json(indent=2) + "\n")


DATASET_ADVICE = ("`reportgen run <experiment.toml> --resume <run directory>` writes it again (the data must be "
                  "where the run found it)")  # what to do with a damaged or missing dataset.json


def save_torch(path: Path, obj: Any) -> None:
    import torch  # here, not at the top: reading a run's other files (a render) needs no torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_torch(source: Path | IO[bytes], path: Path | None = None) -> Any:
    """A checkpoint from a file or an open one (`path` names it in the message)."""
    import torch

    path = path or source
    try:
        # weights_only: a checkpoint is data, never code to unpickle.
        return torch.load(source, map_location="cpu", weights_only=True)
    except Exception as e:  # a damaged file fails as EOFError, RuntimeError, UnpicklingError, KeyError, OSError...
        raise UserError(
            f"{path} cannot be read as a checkpoint ({type(e).__name__}): it is damaged or incomplete. Delete it to "
            "restart that model with `reportgen run <experiment.toml> --resume <run directory>` (the epochs in "
            "its history are lost)"
        ) from None


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write_text(path, out.getvalue())


# --- safe reads ------------------------------------------------------------------------------

class DamagedFile(UserError):
    """A run file that is there but does not parse or validate."""


class OtherVersion(UserError):
    """A run file of another schema version than this reportgen's (`found` None: written before
    files had versions). `what` says which file and version; the message adds what to do."""

    def __init__(self, path: Path, found: Any, expected: int):
        self.what = (f"{path} was written before run files had schema versions" if found is None else
                     f"{path} has schema version {found!r}, and this reportgen reads version {expected}")
        newer = isinstance(found, int) and found > expected
        super().__init__(self.what + ": it was written by " + (
            "a newer reportgen; upgrade reportgen to read it" if newer else
            "another reportgen; read it with the version environment.json names, or train the run again"))


def present(path: Path) -> bool:
    """Whether anything is at `path`, a dangling or hostile link included: such a path is refused
    by open_run_file rather than taken for a missing file."""
    return os.path.lexists(path)


def _refuse(path: Path, problem: str) -> UserError:
    return UserError(f"{path} {problem}; reportgen reads only the run's own regular files "
                     "(put back the file reportgen wrote, or delete it)")


def open_run_file(path: Path, root: Path) -> IO[bytes]:
    """`path` opened for reading after checking that it resolves inside the run directory `root`,
    is a regular file (never a FIFO, whose open would block, or a device) and is within its kind's
    size limit (SIZE_LIMITS, by suffix). Anything else is a UserError naming the file."""
    limit = SIZE_LIMITS[path.suffix.lower()]
    try:
        real = Path(path).resolve(strict=True)
    except FileNotFoundError:
        raise UserError(f"{path} is missing") from None
    except (OSError, RuntimeError):  # a loop of links
        raise _refuse(path, "is a link that leads nowhere") from None
    if not real.is_relative_to(Path(root).resolve()):
        raise _refuse(path, "is a link to a file outside the run directory")
    not_regular = _refuse(path, "is not a regular file (a folder, FIFO or device)")
    try:
        # stat before opening: opening a device can act on it. O_NONBLOCK: a FIFO swapped in
        # after the stat opens at once, and fstat refuses it.
        if not stat.S_ISREG(os.stat(real, follow_symlinks=False).st_mode):
            raise not_regular
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise UserError(f"{path} cannot be read: {e.strerror or e}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        raise not_regular if not stat.S_ISREG(info.st_mode) else _refuse(
            path, f"has {info.st_size:,} bytes, more than any {path.suffix} file reportgen writes ({limit:,})")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_run_bytes(path: Path, root: Path) -> bytes:
    with open_run_file(path, root) as f:
        data = f.read(SIZE_LIMITS[path.suffix.lower()] + 1)
    if len(data) > SIZE_LIMITS[path.suffix.lower()]:  # it grew after the check
        raise _refuse(path, "grew past the size limit while it was read")
    return data


def damaged(path: Path, reason: str, advice: str) -> DamagedFile:
    return DamagedFile(f"{path} is damaged ({reason})" + (f"; {advice}" if advice else ""))


def read_run_text(path: Path, root: Path, advice: str = "") -> str:
    try:
        return read_run_bytes(path, root).decode("utf-8")
    except UnicodeDecodeError as e:
        raise damaged(path, f"not UTF-8 text at byte {e.start}", advice) from None


def read_run_csv(path: Path, root: Path, advice: str = "") -> list[dict[str, str]]:
    """The rows of a CSV file of the run, by its header's columns."""
    text = read_run_text(path, root, advice)
    try:
        return list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as e:  # a field past the csv module's limit, a NUL byte
        raise damaged(path, f"not a CSV table: {e}", advice) from None


def validation_reason(error: ValidationError) -> str:
    """A validation error's first problem in a line: "trials.0.value: Input should be a number"."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


Model = TypeVar("Model", bound=RunFile)


def read_model(path: Path, root: Path, model: type[Model], advice: str) -> Model:
    """A typed JSON run file: its schema version checked first (another version is OtherVersion,
    saying which file, which version and what to do), then validated (a file that does not parse
    or validate is DamagedFile, followed by `advice`)."""
    text = read_run_text(path, root, advice)
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as e:  # not JSON, or nested past the parser's depth
        raise damaged(path, f"not JSON: {str(e).splitlines()[0][:120]}", advice) from None
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if (version is None and isinstance(raw, dict) and model.UNVERSIONED == "stale") or (
            version is not None and version != model.VERSION):
        raise OtherVersion(path, version, model.VERSION)
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        raise damaged(path, validation_reason(e), advice) from None


EXPERIMENT_ADVICE = ("it is the run's record of the experiment it was started from: copy that experiment file "
                     "(with the same --set options applied) over it")


def read_experiment(run: RunDir) -> Experiment:
    """The run's experiment.toml, validated as stored: never against this machine's files."""
    text = read_run_text(run.experiment, run.path, EXPERIMENT_ADVICE)
    try:
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as e:
        raise damaged(run.experiment, f"not TOML: {str(e).splitlines()[0]}", EXPERIMENT_ADVICE) from None
    return validate_stored_experiment(raw, str(run.experiment))


def recorded_data(data: DataConfig, environment: Environment) -> DataConfig:
    """The experiment's data with its root as resolved when the run started (environment.json),
    wherever the run is resumed or analysed from; as written for a run that predates the record."""
    return data.model_copy(update={"root": environment.data_root}) if environment.data_root else data


def load_run_checkpoint(path: Path, root: Path) -> Any:
    """best.pt or last.pt of the run, opened by open_run_file."""
    with open_run_file(path, root) as f:
        return load_torch(f, path)


class Entry:
    """A file or folder of a run or model directory, by name: `RunDir(p).analysis` is
    p/analysis.json. Declared once per name, so the layout reads as a list."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, owner_dir, owner_type=None) -> Path:
        return owner_dir.path / self.name


@dataclass(frozen=True)
class ModelDir:
    path: Path
    run: Path | None = None  # the run directory it belongs to (None: a folder of its own)
    history, metrics, predictions = Entry("history.csv"), Entry("metrics.json"), Entry("predictions.csv")
    best, last = Entry("best.pt"), Entry("last.pt")
    code = Entry("model.py")  # the model's own source as it was when training began (the report lists it)

    @property
    def root(self) -> Path:
        """The folder its files must stay inside when read."""
        return self.run or self.path

    def is_finished(self) -> bool:
        return self.metrics.is_file()

    def seed(self, seed: int) -> ModelDir:
        """The same files for a further seed of `train.seeds`, in seeds/<seed>/."""
        return ModelDir(self.path / "seeds" / str(seed), self.root)


@dataclass(frozen=True)
class RunDir:
    path: Path
    experiment, environment, dataset = Entry("experiment.toml"), Entry("environment.json"), Entry("dataset.json")
    analysis, figures = Entry("analysis.json"), Entry("figures")
    tuning = Entry("tuning.json")  # the search summary, when this run's configuration came from one
    logo = Entry("logo.png")  # the copy of [report] logo the documents show
    lock = Entry("run.lock")  # locked while `reportgen run` trains it; removed when the run finished
    notes = Entry("notes.md")  # the user's own words, kept from the last render given them (report/notes.py)

    @classmethod
    def at(cls, path: Path) -> RunDir:
        path.mkdir(parents=True, exist_ok=True)
        return cls(path)

    @classmethod
    def create(cls, runs_dir: Path, name: str) -> RunDir:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            (runs_dir / name).mkdir(parents=True, exist_ok=True)
            for suffix in itertools.count(1):
                path = runs_dir / name / (stamp if suffix == 1 else f"{stamp}-{suffix}")
                try:
                    path.mkdir()  # atomic: of runs started in the same second, each gets its own folder
                    return cls(path)
                except FileExistsError:
                    continue
        except OSError as e:  # read-only, full, or a file where a folder should be
            raise UserError(f"cannot create the run directory in '{runs_dir}': {e.strerror or e}; "
                            "choose another --runs-dir") from None

    def model(self, slug: str) -> ModelDir:
        return ModelDir(self.path / slug, self.path)

    def model_seeds(self, slug: str, seeds: list[int]) -> list[tuple[int, ModelDir]]:
        """Each seed's folder: the first seed's is the model's own (every per-model analysis reads
        it), each further seed's is under it in seeds/<seed>/."""
        first = self.model(slug)
        return [(seed, first if i == 0 else first.seed(seed)) for i, seed in enumerate(seeds)]


def remove_orphan_temps(folder: Path) -> None:
    """Temporary files of atomic writes that a killed process left behind (never a finished file)."""
    for tmp in folder.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def open_run(path: Path) -> RunDir:
    """A run directory to read: says what is missing instead of failing later on a file."""
    run = RunDir(Path(path))
    if not run.path.is_dir():
        raise UserError(f"{path}: no such run directory")
    for needed in (run.experiment, run.dataset):
        if not present(needed):
            raise UserError(
                f"{run.path}: not a reportgen run directory ({needed.name} is missing); "
                "make one with `reportgen run EXPERIMENT.toml`"
            )
    return run


# --- a run in progress -----------------------------------------------------------------------

@contextlib.contextmanager
def training_lock(run: RunDir) -> Iterator[None]:
    """Hold run.lock while this process trains the run. The lock (flock) dies with the process, so
    a killed run is never taken for a running one; the file stays behind it, marking the run
    unfinished, and is removed when the run finishes."""
    fd = os.open(run.lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"{run.path} is being trained by another `reportgen run` right now; let it finish or "
                            "stop it before resuming") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for the user who wonders which process holds it
        yield
        run.lock.unlink(missing_ok=True)  # finished; removed while still locked
    finally:
        os.close(fd)


def is_training(run: RunDir) -> bool:
    """Whether a live `reportgen run` holds the run's lock."""
    try:
        fd = os.open(run.lock, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:  # none (never locked, or finished), or not a file reportgen made
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def started(run: RunDir) -> str:
    """When the run started (environment.json), "" when it does not say."""
    try:
        return read_model(run.environment, run.path, EnvironmentFile, "").started
    except UserError:
        return ""


def newest_run(runs_dir: Path) -> RunDir:
    """The most recent finished run under runs/ by its start time: one whose analysis was written
    and that is not training or left unfinished (run.lock)."""
    candidates = [RunDir(p.parent) for p in runs_dir.glob("*/*/analysis.json")] if runs_dir.is_dir() else []
    candidates = [run for run in candidates if not present(run.lock)]
    if not candidates:
        raise UserError(
            f"no finished run under '{runs_dir}'; train one first, e.g. `{first_run_command()}`"
        )
    return max(candidates, key=lambda run: (started(run), run.path.name))
