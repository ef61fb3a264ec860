"""Experiment TOML -> validated, typed objects. Nothing downstream re-checks the experiment.

Every user mistake (bad TOML, unknown key, wrong type, out-of-range value, unknown arch, missing
dataset root) becomes a `UserError` naming the file, the key and what is expected.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from reportgen.errors import UserError
from reportgen.models import registry


class _Strict(BaseModel):
    # Unknown keys are errors, and "5" is not silently an int.
    model_config = ConfigDict(extra="forbid", strict=True)


class Author(_Strict):
    name: str
    id: str = ""


class ReportConfig(_Strict):
    title: str = ""
    subtitle: str = ""
    course: str = ""
    assignment: str = ""
    authors: list[Author] = []
    date: dt.date | None = None
    language: Literal["id", "en"] = "id"
    objectives: list[str] = []
    introduction: str = ""
    baseline: str | None = None
    # summary.json of the `reportgen tune` search that chose this configuration (best.toml sets
    # it); the run copies it so the report can show the search.
    tuning: str | None = None

    @field_validator("tuning")
    @classmethod
    def _tuning_exists(cls, path: str | None) -> str | None:
        if path is not None and not Path(path).is_file():
            raise ValueError(f"tuning summary '{Path(path).resolve()}' does not exist")
        return path


class Normalization(_Strict):
    mean: Annotated[list[float], Field(min_length=3, max_length=3)]
    std: Annotated[list[Annotated[float, Field(gt=0)]], Field(min_length=3, max_length=3)]


NORMALIZATIONS = {
    "half": Normalization(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5]),
    "imagenet": Normalization(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
}

DATASETS_WITH_ROOT = ("cifar10", "imagefolder", "csv")


class DataConfig(_Strict):
    dataset: Literal["cifar10", "imagefolder", "csv", "digits", "synthetic"]
    root: str | None = None
    download: bool = False
    train_dir: str = "train"
    test_dir: str | None = None
    csv: str = "train.csv"
    # A count of images, or a fraction of the training pool.
    val_split: Annotated[int, Field(ge=1)] | Annotated[float, Field(gt=0, lt=1)] = 0.2
    image_size: Annotated[int, Field(ge=8, le=1024)] = 32
    normalize: Literal["half", "imagenet"] | Normalization = "half"
    augment: list[Literal["random_crop", "hflip"]] = []
    limit_train: Annotated[int, Field(ge=0)] = 0
    num_workers: Annotated[int, Field(ge=0)] = 2
    # synthetic only: generated class-dependent patterns, for tests and smoke runs.
    num_classes: Annotated[int, Field(ge=2)] = 3
    samples_per_class: Annotated[int, Field(ge=2)] = 40

    @model_validator(mode="after")
    def _root_exists(self) -> DataConfig:
        if self.dataset not in DATASETS_WITH_ROOT:
            return self
        if self.root is None:
            raise ValueError(f"dataset '{self.dataset}' needs `root`, the folder holding its images")
        if not Path(self.root).is_dir() and not (self.dataset == "cifar10" and self.download):
            hint = " (or set download = true)" if self.dataset == "cifar10" else ""
            raise ValueError(f"dataset root '{Path(self.root).resolve()}' does not exist{hint}")
        return self

    @property
    def norm(self) -> Normalization:
        return NORMALIZATIONS[self.normalize] if isinstance(self.normalize, str) else self.normalize


DEVICE_PATTERN = r"^(auto|cpu|mps|cuda(:\d+)?)$"


class TrainConfig(_Strict):
    epochs: Annotated[int, Field(ge=1)] = 10
    batch_size: Annotated[int, Field(ge=1)] = 128
    optimizer: Literal["sgd", "adam", "rmsprop"] = "sgd"
    lr: Annotated[float, Field(gt=0)] = 0.1
    momentum: Annotated[float, Field(ge=0, lt=1)] = 0.9
    weight_decay: Annotated[float, Field(ge=0)] = 0.0
    scheduler: Literal["none", "step", "cosine"] = "none"
    step_size: Annotated[int, Field(ge=1)] = 25
    gamma: Annotated[float, Field(gt=0, le=1)] = 0.1
    t_max: Annotated[int, Field(ge=1)] | None = None  # cosine period; None = epochs
    early_stopping_patience: Annotated[int, Field(ge=0)] = 0
    monitor: Literal["val_acc", "val_loss"] = "val_acc"
    seed: int = 42
    device: Annotated[str, Field(pattern=DEVICE_PATTERN)] = "auto"
    amp: bool = True
    compile: bool = False  # torch.compile the model (worth it for long runs on a GPU)

    @field_validator("lr", "momentum", "weight_decay", "gamma", mode="before")
    @classmethod
    def _int_is_float(cls, v: Any) -> Any:
        # `lr = 1` in TOML is an int; strict mode would refuse it for a float field.
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


SLUG_PATTERN = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    return SLUG_PATTERN.sub("-", text.lower()).strip("-") or "model"


class ModelSpec(_Strict):
    arch: str
    label: str = ""
    description: str = ""
    params: dict[str, Any] = {}
    train: TrainConfig  # the experiment's [train] with this model's overrides applied

    @model_validator(mode="after")
    def _known_arch(self) -> ModelSpec:
        if self.arch not in registry.ARCHITECTURES:
            raise ValueError(
                f"unknown arch '{self.arch}'; expected one of: {', '.join(registry.ARCHITECTURES)}"
            )
        registry.ARCHITECTURES[self.arch].validate_params(self.params)
        self.label = self.label or self.arch
        return self

    @property
    def slug(self) -> str:
        return slugify(self.label)


class TuneConfig(_Strict):
    model: str
    sampler: Literal["grid", "tpe"] = "grid"
    metric: Literal["val_acc", "val_loss"] = "val_acc"
    trials: Annotated[int, Field(ge=0)] = 0
    pruner: Literal["none", "median", "hyperband"] = "median"
    storage: str | None = None
    space: dict[str, Annotated[list[Any], Field(min_length=1)]]

    @field_validator("space")
    @classmethod
    def _space_keys(cls, space: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key in space:
            if not key.startswith(("params.", "train.")):
                raise ValueError(f"search key '{key}' must start with 'params.' or 'train.'")
        return space


class Experiment(_Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    report: ReportConfig = ReportConfig()
    data: DataConfig
    train: TrainConfig = TrainConfig()
    models: Annotated[list[ModelSpec], Field(min_length=1)]
    tune: TuneConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _apply_model_overrides(cls, raw: Any) -> Any:
        # Each model trains with [train] updated by its own `train` table; validating the merged
        # table here makes an override error point at models.N.train.KEY.
        if not isinstance(raw, dict) or not isinstance(raw.get("models"), list):
            return raw
        base = raw.get("train", {})
        if not isinstance(base, dict):
            return raw
        models = []
        for spec in raw["models"]:
            if isinstance(spec, dict):
                own = spec.get("train", {})
                spec = {**spec, "train": {**base, **own} if isinstance(own, dict) else own}
            models.append(spec)
        return {**raw, "models": models}

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        slugs = [m.slug for m in self.models]
        dupes = sorted({s for s in slugs if slugs.count(s) > 1})
        if dupes:
            raise ValueError(f"model labels must be distinct (as folder names: {', '.join(dupes)})")
        labels = [m.label for m in self.models]
        if self.report.baseline is not None and self.report.baseline not in labels:
            raise ValueError(f"report.baseline '{self.report.baseline}' is not a model label: {labels}")
        if self.tune is not None and self.tune.model not in labels:
            raise ValueError(f"tune.model '{self.tune.model}' is not a model label: {labels}")
        return self

    def model(self, label: str) -> ModelSpec:
        return next(m for m in self.models if m.label == label)

    def to_toml(self) -> str:
        """The resolved experiment as TOML. A model's `train` keeps only what differs from [train],
        so `--set train.KEY=...` on the written file still reaches every model."""
        raw = self.model_dump(mode="python", exclude_none=True)
        for spec in raw["models"]:
            spec["train"] = {k: v for k, v in spec["train"].items() if raw["train"].get(k) != v}
            if not spec["train"]:
                del spec["train"]
        return tomli_w.dumps(raw)


def parse_override(item: str) -> tuple[list[str], Any]:
    """`train.lr=0.01` -> (["train", "lr"], 0.01). Values are TOML literals; a bare word is a string."""
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        raise UserError(f"--set '{item}': expected KEY=VALUE, e.g. --set train.epochs=2")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text  # `--set train.optimizer=adam` reads as the string "adam"
    return key.strip().split("."), value


def apply_override(raw: dict[str, Any], path: list[str], value: Any, item: str) -> None:
    node: Any = raw
    for depth, part in enumerate(path[:-1]):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise UserError(f"--set '{item}': '{part}' is not an index of {'.'.join(path[:depth])}")
            node = node[int(part)]
        else:
            node = node.setdefault(part, {})
            if not isinstance(node, (dict, list)):
                raise UserError(f"--set '{item}': '{'.'.join(path[: depth + 1])}' is not a table")
    last = path[-1]
    if isinstance(node, list):
        raise UserError(f"--set '{item}': a whole [[models]] entry cannot be replaced; name a key in it")
    node[last] = value


def format_validation_error(source: str, err: ValidationError) -> str:
    problems = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith(("function-", "literal[")))
        # Union members add their type names to the location; keep the user's key only.
        loc = re.sub(r"\.(int|float|str|constrained-\w+|Normalization|list\[.*?\])(?=\.|$)", "", loc)
        msg = e["msg"].removeprefix("Value error, ")
        got = "" if e["type"] in ("missing", "extra_forbidden") else f" (got {e['input']!r})"
        if e["type"] == "extra_forbidden":
            msg = "unknown key; check its spelling against CONTRACT.md"
        problems.append(f"`{loc}`: {msg}{got}" if loc else f"{msg}{got}")
    unique = list(dict.fromkeys(problems))
    return f"{source}: invalid experiment: " + "; ".join(unique) + "."


def load_experiment(path: str | Path, overrides: list[str] = ()) -> Experiment:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such experiment file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: not valid TOML: {e}") from None
    for item in overrides:
        apply_override(raw, *parse_override(item), item)
    return validate_experiment(raw, str(path))


def validate_experiment(raw: dict[str, Any], source: str) -> Experiment:
    try:
        return Experiment.model_validate(raw)
    except ValidationError as e:
        raise UserError(format_validation_error(source, e)) from None
