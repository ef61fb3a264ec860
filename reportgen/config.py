"""Experiment TOML -> validated, typed objects. Nothing downstream re-checks the experiment.

Every user mistake (bad TOML, unknown key, wrong type, out-of-range value, unknown arch, missing
data) becomes a `UserError` naming the file, the dotted key and what is expected, with "did you mean"
for a near miss. Nothing here imports torch: a mistake is answered before the heavy imports.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, get_args

import tomli_w
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reportgen.errors import UserError
from reportgen.language.phrases import LANGUAGES, Phrases
from reportgen.language.text import clean_user_text
from reportgen.models.catalog import CATALOG
from reportgen.starters import TEMPLATES


class _Strict(BaseModel):
    # Unknown keys are errors, "5" is not silently an int, and nan or inf is no float a run can use.
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


# Text the documents and the terminal show: without control characters (an ESC that would drive the
# terminal, a bidi override that would reverse a sentence), from the moment it is read.
Text = Annotated[str, AfterValidator(clean_user_text)]
# numpy and scikit-learn take seeds in [0, 2**32 - 1].
SEED_RANGE = {"ge": 0, "le": 2**32 - 1}


def did_you_mean(word: str, choices: list[str], quote: str = "`") -> str:
    """" (did you mean `epochs`?)" for a near miss among `choices`, else ""."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {quote}{close[0]}{quote}?)" if close else ""


def unknown_key(key: str, choices: list[str], table: str) -> str:
    """The message for `key`, not one of `choices`, the keys `table` (e.g. "`train`") takes."""
    return f"unknown key{did_you_mean(key, choices)}; {table} takes: {', '.join(choices) or 'nothing'}"


KEY_ERROR = "reportgen"  # the pydantic error type of key_error's mistakes


def key_mistake(loc: tuple[str | int, ...], message: str) -> dict[str, Any]:
    """One line of a ValidationError: `message` about the key at `loc`."""
    return {"type": PydanticCustomError(KEY_ERROR, "{message}", {"message": message}), "loc": loc, "input": None}


def key_error(key: str, message: str) -> ValidationError:
    """A mistake in the key `key` (dotted, relative to the table being validated) for a validator to
    raise: pydantic would place a validator's plain ValueError at the table, not at the key."""
    return ValidationError.from_exception_data("experiment", [key_mistake(tuple(key.split(".")), message)])


def folder_contents(folder: Path, want: Callable[[Path], bool]) -> list[str]:
    """The names in `folder` that `want` accepts, sorted; [] for a folder that cannot be listed."""
    try:
        return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".") and want(p))
    except OSError:
        return []


def what_is_there(folder: Path, name: str, want: Callable[[Path], bool], kind: str) -> str:
    """"; '<folder>' holds these <kind>: a, b (did you mean 'a'?)" for a `name` missing in `folder`."""
    found = folder_contents(folder, want)
    if not found:
        return f"; '{folder}' holds no {kind}"
    shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
    near = did_you_mean(name, found, quote="'")
    return f"; '{folder}' holds these {kind}: {shown}{near}"


# Said by every error about missing data: a starter experiment's path may not be the user's.
POINT_ROOT = "point data.root at your dataset, e.g. --set data.root=PATH"


class Author(_Strict):
    name: Text = Field(description="The author's name.")
    id: Text = Field("", description="Student or staff number, shown next to the name.")


class Link(_Strict):
    label: Text = Field(description="What the link leads to, e.g. \"Kode\" or \"Notebook Colab\".")
    url: Annotated[str, Field(pattern=r"^https?://\S+$", description=(
        "The address, http:// or https://; shown as a link, never fetched."))]


LOGO_SUFFIXES = (".png", ".jpg", ".jpeg")


class ReportConfig(_Strict):
    title: Text = Field("", description="Title of the report and the deck (empty: the experiment's `name`).")
    subtitle: Text = Field("", description="Line under the title.")
    course: Text = Field("", description="Course named on the title page.")
    assignment: Text = Field("", description="Assignment named on the title page.")
    authors: list[Author] = Field([], description="Authors on the title page and the members slide.")
    date: dt.date | None = Field(None, description="Date on the title page, a TOML date such as 2025-05-01 "
                                                   "(unset: the day the run started).")
    language: Literal["id", "en"] = Field("id", description="Language of the documents: Indonesian or English "
                                                            "(`reportgen render --lang` overrides it).")
    objectives: list[Text] = Field([], description=(
        "The objectives, one string each (empty: generated ones). The Kesimpulan answers them in turn: an item is "
        "marked \"(Tujuan 2)\" when it is about the models that objective names (by label, or every word of a label)."))
    introduction: Text = Field("", description="Introduction; a blank line starts a new paragraph "
                                              "(empty: a generated one).")
    baseline: Text | None = Field(None, description="Label of the model the others are compared against "
                                                   "(unset: the first model with a score).")
    alpha: float = Field(0.05, gt=0, lt=0.5, description="Significance level of the pairwise model comparisons "
                                                         "(exact McNemar, Holm-adjusted): a model is called better "
                                                         "only when the test rejects equal accuracy at this level.")
    logo: str | None = Field(None, description="Image file (PNG or JPEG), e.g. a university's logo, shown on the "
                                               "report's title block and the title slide; the run keeps a copy.")
    links: list[Link] = Field([], description=(
        "Links shown after the references and on the closing slides, e.g. "
        "`[{ label = \"Kode\", url = \"https://github.com/...\" }]` for the code repository or a notebook."))
    tools_statement: Text = Field("", description=(
        "Which tools (e.g. AI assistants) helped and how, shown in its own section of the report and on a "
        "slide; a blank line starts a new paragraph (empty: no such section)."))
    notes: str | None = Field(None, description=(
        "Markdown file of your own words, read at each render: each `## Section` (a section's title in either "
        "language: `## Diskusi`, `## Conclusion`) is appended to that section; the run keeps a copy, notes.md."))
    pptx_template: str | None = Field(None, description=(
        "A 16:9 PowerPoint file (13.333 × 7.5 in) whose slide masters and layouts the deck is drawn on, e.g. "
        "the faculty's theme; its own slides are not kept (unset: the shipped theme). Read when the deck is "
        "rendered."))
    # The run copies the summary so the report can show the search.
    tuning: str | None = Field(None, description="`summary.json` of the `reportgen tune` search that chose this "
                                                 "configuration (`best.toml` sets it); the report then shows "
                                                 "the search.")

    @field_validator("tuning")
    @classmethod
    def _tuning_exists(cls, path: str | None, info: ValidationInfo) -> str | None:
        if path is not None and info.context != STORED and not Path(path).is_file():
            raise ValueError(f"tuning summary '{Path(path).resolve()}' does not exist")
        return path

    @field_validator("notes")
    @classmethod
    def _notes_are_markdown(cls, path: str | None) -> str | None:
        # Whether it exists is checked at render: notes are written after training.
        if path is not None and Path(path).suffix.lower() != ".md":
            raise ValueError(f"notes '{path}' must be a Markdown file (.md)")
        return path

    @field_validator("pptx_template")
    @classmethod
    def _template_is_a_pptx(cls, path: str | None, info: ValidationInfo) -> str | None:
        if path is None:
            return path
        if Path(path).suffix.lower() != ".pptx":
            raise ValueError(f"pptx_template '{path}' must be a PowerPoint .pptx file")
        if info.context != STORED and not Path(path).is_file():
            raise ValueError(f"pptx_template '{Path(path).resolve()}' does not exist")
        return path

    @field_validator("logo")
    @classmethod
    def _logo_is_an_image_file(cls, path: str | None) -> str | None:
        # Whether it exists is checked when a run copies it: a rendered run reads only its copy.
        if path is not None and Path(path).suffix.lower() not in LOGO_SUFFIXES:
            raise ValueError(f"logo '{path}' must be a PNG or JPEG file ({', '.join(LOGO_SUFFIXES)})")
        return path


class Normalization(_Strict):
    mean: Annotated[list[float], Field(min_length=3, max_length=3, description=(
        "Per-channel (R, G, B) mean subtracted from pixels scaled to [0, 1]."))]
    std: Annotated[list[Annotated[float, Field(gt=0)]], Field(min_length=3, max_length=3, description=(
        "Per-channel (R, G, B) standard deviation the centred pixels are divided by."))]


NORMALIZATIONS = {
    "half": Normalization(mean=[0.5, 0.5, 0.5], std=[0.5, 0.5, 0.5]),
    "imagenet": Normalization(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
}

DATASETS_WITH_ROOT = ("cifar10", "imagefolder", "csv")
CIFAR10_FOLDER = "cifar-10-batches-py"  # what torchvision's CIFAR10 reads under `root`
MIN_IMAGE_SIZE, MAX_IMAGE_SIZE = 8, 1024
# Names of the built-in datasets; a folder of images is named by its folder (Experiment.dataset_name).
DATASET_NAMES = {"cifar10": "CIFAR-10", "digits": "Digits (scikit-learn)", "synthetic": "Synthetic"}


class DataConfig(_Strict):
    dataset: Literal["cifar10", "imagefolder", "csv", "digits", "synthetic"] = Field(description=(
        "`cifar10`: torchvision's CIFAR-10 in `root`; `imagefolder`: `root/train_dir/<class>/*`; "
        "`csv`: `root/csv` lists `filename,label` of the images in `root/train_dir/`; `digits`: "
        "scikit-learn's bundled 8x8 digits; `synthetic`: generated patterns, for tests and smoke runs."))
    name: Text | None = Field(None, description=(
        "The dataset's name in the documents (unset: \"CIFAR-10\" for cifar10, \"Digits (scikit-learn)\" for "
        "digits, for imagefolder and csv the folder name of `root`, or the report's title when `root` has none)."))
    root: str | None = Field(None, description="Folder holding the dataset; cifar10, imagefolder and csv need it.")
    download: bool = Field(False, description="cifar10: download the dataset into `root` when it is missing.")
    train_dir: str = Field("train", description="imagefolder, csv: folder under `root` with the training images.")
    test_dir: str | None = Field(None, description="imagefolder: folder under `root` with the test images, one "
                                                   "subfolder per class (unset: the validation split is "
                                                   "evaluated instead).")
    csv: str = Field("train.csv", description="csv: the table under `root` listing `filename,label`.")
    val_split: Annotated[int, Field(ge=1)] | Annotated[float, Field(gt=0, lt=1)] = Field(0.2, description=(
        "Validation split taken from the training pool, stratified and seeded: a count of images or a fraction."))
    image_size: Annotated[int, Field(ge=MIN_IMAGE_SIZE, le=MAX_IMAGE_SIZE, description=(
        "Side in pixels every image is resized to."))] = 32
    normalize: Literal["half", "imagenet"] | Normalization = Field("half", description=(
        "Per-channel normalisation: `half` (mean = std = 0.5), `imagenet` (ImageNet's mean and std), "
        "or a table of your own `mean` and `std`."))
    augment: list[Literal["random_crop", "hflip"]] = Field([], description=(
        "Training-time augmentation: `random_crop` pads by image_size/8 and crops back, `hflip` flips "
        "horizontally with p = 0.5."))
    limit_train: Annotated[int, Field(ge=0, description=(
        "Keep a stratified, seeded subset of this many training-pool images before the split (0: all)."))] = 0
    num_workers: Annotated[int, Field(ge=0, description=(
        "Processes decoding images, and loading batches when a dataset streams from disk."))] = 2
    num_classes: Annotated[int, Field(ge=2, description="synthetic: number of classes.")] = 3
    samples_per_class: Annotated[int, Field(ge=2, description=(
        "synthetic: training-pool images per class (a quarter as many, at least 2, form the test split)."))] = 40

    @model_validator(mode="after")
    def _data_exists(self, info: ValidationInfo) -> DataConfig:
        # Checked here, before a run starts (and before torch is imported), with the key to fix.
        if self.dataset not in DATASETS_WITH_ROOT:
            return self
        if self.root is None:
            raise key_error("root", f"dataset '{self.dataset}' needs `data.root`, the folder holding its images; "
                                    f"{POINT_ROOT}")
        if info.context == STORED:  # the training machine's folders: not this one's to check
            return self
        root = Path(self.root).resolve()
        download = self.dataset == "cifar10" and self.download
        if not root.is_dir() and not download:
            hint = "; or set data.download = true to fetch CIFAR-10" if self.dataset == "cifar10" else ""
            near = did_you_mean(root.name, folder_contents(root.parent, Path.is_dir), quote="'")
            raise key_error("root", f"dataset folder '{root}' does not exist{near} (a relative path is read from "
                                    f"the folder you run reportgen in); {POINT_ROOT}{hint}")
        if self.dataset == "cifar10" and not download and not (root / CIFAR10_FOLDER).is_dir():
            raise key_error("root", f"'{root}' has no {CIFAR10_FOLDER} folder (the extracted CIFAR-10 archive); "
                                    f"{POINT_ROOT}, or set data.download = true")
        if self.dataset == "csv" and not (root / self.csv).is_file():
            raise key_error("csv", f"label file '{root / self.csv}' does not exist (expected columns filename,label)"
                                   f"{what_is_there(root, self.csv, Path.is_file, 'files')}; {POINT_ROOT}")
        if self.dataset in ("imagefolder", "csv"):
            self._folder_exists("train_dir", self.train_dir, root)
        if self.dataset == "imagefolder" and self.test_dir is not None:
            self._folder_exists("test_dir", self.test_dir, root)
        return self

    @staticmethod
    def _folder_exists(key: str, name: str, root: Path) -> None:
        if (root / name).is_dir():
            return
        if root.name == name:  # the usual slip: data.root names the training folder itself
            raise key_error(key, f"image folder '{root / name}' does not exist: data.root names the '{name}' "
                                 f"folder itself; point it at the folder above, e.g. --set data.root={root.parent}")
        raise key_error(key, f"image folder '{root / name}' does not exist"
                             f"{what_is_there(root, name, Path.is_dir, 'folders')}; {POINT_ROOT}")

    @property
    def norm(self) -> Normalization:
        return NORMALIZATIONS[self.normalize] if isinstance(self.normalize, str) else self.normalize


DEVICE_PATTERN = r"^(auto|cpu|mps|cuda(:\d+)?)$"


class TrainConfig(_Strict):
    epochs: Annotated[int, Field(ge=1, description="Most epochs to train (early stopping may end sooner).")] = 10
    batch_size: Annotated[int, Field(ge=1, description="Images per optimisation step.")] = 128
    optimizer: Literal["sgd", "adam", "rmsprop"] = Field("sgd", description=(
        "Optimizer; `momentum` applies to sgd and rmsprop."))
    lr: Annotated[float, Field(gt=0, description="Initial learning rate.")] = 0.1
    momentum: Annotated[float, Field(ge=0, lt=1, description="Momentum of sgd and rmsprop.")] = 0.9
    weight_decay: Annotated[float, Field(ge=0, description="L2 weight decay.")] = 0.0
    scheduler: Literal["none", "step", "cosine"] = Field("none", description=(
        "Learning-rate schedule, stepped once per epoch: constant, `step` (times `gamma` every `step_size` "
        "epochs) or `cosine` annealing over `t_max` epochs."))
    step_size: Annotated[int, Field(ge=1, description="step scheduler: epochs between decays.")] = 25
    gamma: Annotated[float, Field(gt=0, le=1, description="step scheduler: decay factor.")] = 0.1
    t_max: Annotated[int, Field(ge=1)] | None = Field(None, description="cosine scheduler: period in epochs "
                                                                        "(unset: `epochs`).")
    early_stopping_patience: Annotated[int, Field(ge=0, description=(
        "Stop after this many epochs without improvement of `monitor` (0: never stop early)."))] = 0
    monitor: Literal["val_acc", "val_loss"] = Field("val_acc", description=(
        "Validation metric that picks the best epoch (best.pt, the one evaluated) and drives early stopping."))
    seed: int = Field(42, **SEED_RANGE, description="Seed of the data split and subset; also of initialisation, "
                                                    "shuffling and augmentation unless `seeds` is set.")
    seeds: Annotated[list[Annotated[int, Field(**SEED_RANGE)]], Field(min_length=1)] | None = Field(None, description=(
        "Train every model once per seed (initialisation, shuffling, augmentation), e.g. `[42, 43, 44]`, "
        "into the same run; the split keeps `seed`, so every seed is evaluated on the same images. The "
        "report gives mean ± sd over seeds and its figures come from the first seed (unset: `seed` alone)."))
    device: Annotated[str, Field(pattern=DEVICE_PATTERN, description=(
        "`auto` picks CUDA, then MPS, then the CPU."))] = "auto"
    amp: bool = Field(True, description="Mixed precision (bf16, or fp16 with a gradient scaler) where the "
                                        "device computes it natively.")
    compile: bool = Field(False, description="`torch.compile` the model (worth it for long runs on a GPU).")

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, seeds: list[int] | None) -> list[int] | None:
        if seeds is not None and len(set(seeds)) < len(seeds):
            raise ValueError("seeds must be distinct: a repeated seed trains the same model twice")
        return seeds

    @property
    def run_seeds(self) -> list[int]:
        """The seeds each model trains with, the first one's files in the model's own folder."""
        return self.seeds or [self.seed]

    @field_validator("lr", "momentum", "weight_decay", "gamma", mode="before")
    @classmethod
    def _int_is_float(cls, v: Any) -> Any:
        # `lr = 1` in TOML is an int; strict mode would refuse it for a float field.
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


SLUG_PATTERN = re.compile(r"[\W_]+")  # anything but letters and digits, of any script
# A slug names a folder and, twice, a figure file (disagree-<a>-<b>.png): 100 bytes keeps both
# under the 255 bytes a file name may have.
SLUG_BYTES = 100


def slugify(text: str) -> str:
    """A label as a folder name: letters and digits of any script joined by "-" ("ResNet-18 (CIFAR)"
    -> "resnet-18-cifar", "日本" -> "日本"), at most SLUG_BYTES of UTF-8."""
    slug = SLUG_PATTERN.sub("-", unicodedata.normalize("NFKC", text).lower()).strip("-")
    slug = slug.encode()[:SLUG_BYTES].decode(errors="ignore").strip("-")
    return slug or "model"


class ModelSpec(_Strict):
    arch: str = Field(description="Architecture; `reportgen models` lists them (see also `params` below).")
    label: Text = Field("", description=(
        "Name in the report, unique per experiment (empty: the documents name the model by its architecture in "
        "their language, e.g. \"CNN Kustom\" or \"Custom CNN\" for `cnn`, and its folder and key in the run's "
        "files are the `arch` id, which readers never see)."))
    description: Text = Field("", description="A paragraph describing the model in the report and the deck.")
    params: dict[str, Any] = Field({}, description="The architecture's own parameters; see below.")
    # Required here because Experiment fills it: [train] updated by this model's own table.
    train: TrainConfig = Field(description="This model's overrides of `[train]`.")
    parent: str | None = Field(None, description=(
        "Label of the model this one modifies: the report tests its hypothesis against that model (unset: the "
        "architecture's own parent in the run, e.g. ResNet-34 for `preact_resnet34` and `multipath_resnet34`, "
        "Plain-34 for `resnet34`)."))

    @model_validator(mode="after")
    def _known_arch(self) -> ModelSpec:
        if self.arch not in CATALOG:
            near = did_you_mean(self.arch, list(CATALOG), quote="'")
            raise key_error("arch", f"unknown arch '{self.arch}'{near}; expected one of: {', '.join(CATALOG)}")
        info = CATALOG[self.arch]
        if info.params_model is None:
            if self.params:
                raise key_error(f"params.{next(iter(self.params))}", f"unknown key; arch '{self.arch}' takes no params")
            return self
        try:
            info.params_model.model_validate(self.params)
        except ValidationError as e:  # each mistake located at params.KEY
            raise ValidationError.from_exception_data(
                "params", [self._params_mistake(err) for err in e.errors()]) from None
        return self

    def _params_mistake(self, err: Any) -> dict[str, Any]:
        """A mistake of the params model, as one of this model's: an unknown key lists the arch's own."""
        loc = ("params", *err["loc"])
        if err["type"] == "extra_forbidden":
            return key_mistake(loc, unknown_key(str(err["loc"][-1]), CATALOG[self.arch].param_names(),
                                                f"arch '{self.arch}'"))
        return {"type": err["type"], "loc": loc, "input": err["input"], **({"ctx": err["ctx"]} if "ctx" in err else {})}

    @property
    def slug(self) -> str:
        return slugify(self.label)

    @property
    def default_label(self) -> bool:
        """Unlabelled: its label is its arch id, the same in every language."""
        return self.label == self.arch

    def name(self, lang: str) -> str:
        """How a document in `lang` names the model."""
        return Phrases(lang)(f"ui.arch.{self.arch}") if self.default_label else self.label

    def with_seed(self, seed: int) -> ModelSpec:
        """This model as trained with `seed`, one of its `train.seeds`."""
        return self.model_copy(update={"train": self.train.model_copy(update={"seed": seed})})

    @property
    def run_name(self) -> str:
        """How progress lines name this training: the label, and the seed when there are several."""
        return self.label if len(self.train.run_seeds) == 1 else f"{self.label} seed {self.train.seed}"


class TuneConfig(_Strict):
    model: Text = Field(description="Label of the `[[models]]` entry to search.")
    sampler: Literal["grid", "tpe"] = Field("grid", description=(
        "`grid` trains every point of `space` exactly once; `tpe` (Optuna's TPE) samples `trials` points."))
    metric: Literal["val_acc", "val_loss"] = Field("val_acc", description=(
        "Score of a trial, its best epoch's validation accuracy (maximised) or loss (minimised)."))
    trials: Annotated[int, Field(ge=0, description="tpe: how many trials to finish (grid ignores it).")] = 0
    pruner: Literal["none", "median", "hyperband"] = Field("median", description=(
        "Stops hopeless trials early from their per-epoch validation `metric`."))
    startup_trials: Annotated[int, Field(ge=0, description=(
        "median: how many trials finish before any is stopped; a median of fewer trials is mostly noise."))] = 2
    prune_from_epoch: Annotated[int, Field(ge=1, description=(
        "median: the first epoch at which a trial below the finished trials' median at that epoch may be "
        "stopped."))] = 1
    storage: str | None = Field(None, description=(
        "SQLAlchemy URL of the Optuna study, e.g. `postgresql://user@host/db` to share it between machines "
        "(unset: SQLite under `runs/<name>/tune/`; `reportgen tune --storage` overrides it)."))
    space: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(description=(
        "Each dotted key of the searched model's `params` or `train` -> the values to try, e.g. "
        "`{ \"train.lr\" = [0.1, 0.01] }`."))

    @field_validator("space")
    @classmethod
    def _space_keys(cls, space: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key in space:
            if not key.startswith(("params.", "train.")):
                raise ValueError(f"search key '{key}' must start with 'params.' or 'train.'")
        return space

    @model_validator(mode="after")
    def _median_settings(self) -> TuneConfig:
        # Set for another pruner they would be ignored without a word, and the search would not be the one asked for.
        median_only = sorted({"startup_trials", "prune_from_epoch"} & self.model_fields_set)
        if self.pruner != "median" and median_only:
            raise key_error(median_only[0], f"{' and '.join(median_only)} set the median pruner, "
                                            f"but tune.pruner is '{self.pruner}'")
        return self


class Experiment(_Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=100, description=(
        "Names the runs folder (`runs/<name>/`) and the tuning study."))]
    report: ReportConfig = Field(ReportConfig(), description="Title page and text of the report and the deck.")
    data: DataConfig = Field(description="The dataset, its split, image size, normalisation and augmentation.")
    train: TrainConfig = Field(TrainConfig(), description=(
        "The training recipe of every model; a model's own `train` table overrides single keys."))
    models: Annotated[list[ModelSpec], Field(min_length=1, description=(
        "The models to train and compare, one `[[models]]` table each, in report order."))]
    tune: TuneConfig | None = Field(None, description="The search of `reportgen tune` (`reportgen run` ignores it).")

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
        for m in self.models:  # an unlabelled model's key (label, folder) is its arch id, whatever the language
            m.label = m.label or m.arch
        slugs = [m.slug for m in self.models]
        clash = next((slug for slug in slugs if slugs.count(slug) > 1), None)
        if clash is not None:
            same = " and ".join(repr(m.label) for m in self.models if m.slug == clash)
            raise ValueError(f"model labels {same} would share the folder name '{clash}'; make them differ "
                             "in a letter or digit")
        for index, m in enumerate(self.models):
            problem = CATALOG[m.arch].image_size_problem(self.data.image_size)
            if problem:
                raise key_error("data.image_size", f"model '{m.label}' (models.{index}): {problem}")
        for lang in LANGUAGES:
            names = [m.name(lang) for m in self.models]
            if clash := sorted({n for n in names if names.count(n) > 1}):
                raise ValueError(f"'{clash[0]}' would name two models in a report in '{lang}' (an unlabelled model is "
                                 "named by its architecture); give one of them a label of its own")
        self.report.baseline = self.key_of(self.report.baseline)
        if self.tune is not None:
            self.tune.model = self.key_of(self.tune.model)
        for m in self.models:
            m.parent = self.key_of(m.parent)
        labels = [m.label for m in self.models]
        for i, m in enumerate(self.models):
            if m.parent is not None and (m.parent == m.label or m.parent not in labels):
                raise ValueError(f"models.{i}.parent '{m.parent}' is not the label of another model: {labels}")
        if self.report.baseline is not None and self.report.baseline not in labels:
            raise ValueError(f"report.baseline '{self.report.baseline}' is not a model label: {labels}")
        if self.tune is not None and self.tune.model not in labels:
            raise ValueError(f"tune.model '{self.tune.model}' is not a model label: {labels}")
        if self.tune is not None and self.tune.pruner == "median" and "train.epochs" not in self.tune.space:
            epochs = self.model(self.tune.model).train.epochs
            if self.tune.prune_from_epoch > epochs:
                raise key_error("tune.prune_from_epoch", f"{self.tune.prune_from_epoch} is past the last epoch of "
                                f"'{self.tune.model}' ({epochs}): no trial could be stopped; lower it, or set "
                                "tune.pruner = \"none\"")
        return self

    def model(self, label: str) -> ModelSpec:
        return next(m for m in self.models if m.label == label)

    def key_of(self, name: str | None) -> str | None:
        """The label of the model `name` refers to: its label, or an unlabelled model's name in a
        report of either language ("CNN Kustom" for `cnn`)."""
        return next((m.label for m in self.models if name == m.label or (
            m.default_label and name in [m.name(lang) for lang in LANGUAGES])), name)

    @property
    def dataset_name(self) -> str:
        """The dataset as the documents name it: never the loader's name ("imagefolder", "csv"), which
        says how the files are laid out, not what they are."""
        d = self.data
        folder = clean_user_text(Path(os.path.normpath(d.root)).name) if d.root else ""  # user text too
        return (d.name or DATASET_NAMES.get(d.dataset) or (folder if folder not in ("", ".", "..") else "")
                or self.report.title or self.name)

    def to_toml(self) -> str:
        """The resolved experiment as TOML. A model's `train` keeps only what differs from [train],
        so `--set train.KEY=...` on the written file still reaches every model."""
        raw = self.model_dump(mode="python", exclude_none=True)
        for spec in raw["models"]:
            spec["train"] = {k: v for k, v in spec["train"].items() if raw["train"].get(k) != v}
            if not spec["train"]:
                del spec["train"]
        return tomli_w.dumps(raw)


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """The dotted keys whose values differ between two JSON values."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [d for k in sorted(old.keys() | new.keys())
                for d in differences(old.get(k), new.get(k), f"{path}.{k}" if path else k)]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if old == new else [path]


def parse_override(item: str) -> tuple[list[str], Any]:
    """`train.lr=0.01` -> (["train", "lr"], 0.01). Values are TOML literals; a bare word is a string."""
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        raise UserError(f"--set '{item}': expected KEY=VALUE, e.g. --set train.epochs=2")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text  # `--set train.optimizer=adam` reads as the string "adam"
    except RecursionError:
        raise UserError(f"--set '{item[:60]}...': the value is nested too deeply") from None
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
        if path[:-1] == ["models"]:
            raise UserError(f"--set '{item}': a whole [[models]] entry cannot be replaced; name a key in it")
        if not last.isdigit() or int(last) >= len(node):
            raise UserError(f"--set '{item}': '{last}' is not an index of {'.'.join(path[:-1])}, which has "
                            f"{len(node)} item(s) numbered from 0")
        node[int(last)] = value
        return
    node[last] = value


def toml_value(value: Any) -> str:
    return tomli_w.dumps({"v": value}).removeprefix("v = ").strip()


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> list[str]:
    """Apply `--set` items to the file's table. A `train.KEY` is the whole command line's training
    recipe: it also replaces KEY in every model's own `train` table, except where the same command
    line sets `models.N.train.KEY`, which wins. Returns what it replaced, one phrase per item, e.g.
    "--set train.epochs=1 replaces models.0.train.epochs = 12 and models.1.train.epochs = 8"."""
    parsed = [(item, *parse_override(item)) for item in overrides]
    for item, path, value in parsed:
        apply_override(raw, path, value, item)
    chosen = {tuple(path[:4]) for _, path, _ in parsed if path[:1] == ["models"] and path[2:3] == ["train"]}
    models = raw.get("models") if isinstance(raw.get("models"), list) else []
    notes = []
    for item, path, value in parsed:
        if len(path) != 2 or path[0] != "train":
            continue
        key, replaced = path[1], []
        for index, spec in enumerate(models):
            own = spec.get("train") if isinstance(spec, dict) else None
            if not isinstance(own, dict) or own.get(key, value) == value or ("models", str(index), "train", key) in chosen:
                continue
            replaced.append(f"models.{index}.train.{key} = {toml_value(own[key])}")
            own[key] = value
        if replaced:
            listed = ", ".join(replaced[:-1]) + " and " + replaced[-1] if len(replaced) > 1 else replaced[0]
            notes.append(f"--set {item} replaces {listed}")
    return notes


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The table type inside a field's annotation: `X`, `X | None`, `list[X]`, `Literal[...] | X`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, map(nested_model, get_args(annotation))), None)


def table_keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys the table at `loc` (a pydantic error location, without the key itself) accepts."""
    model = Experiment
    for part in loc:
        if part in model.model_fields:  # list indexes and union tags are not fields: skipped
            model = nested_model(model.model_fields[part].annotation)
    return list(model.model_fields)


def format_validation_error(source: str, err: ValidationError) -> str:
    errors = err.errors()
    # [train] is merged into every model's `train`, so its mistakes come back once per model as
    # models.N.train.KEY: report them once, at train.KEY.
    in_train = {(e["type"], tuple(e["loc"][1:])) for e in errors if e["loc"][:1] == ("train",)}
    errors = [e for e in errors if not (e["loc"][:1] == ("models",) and e["loc"][2:3] == ("train",)
                                        and (e["type"], tuple(e["loc"][3:])) in in_train)]
    problems = []
    for e in errors:
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith(("function-", "literal[")))
        # Union members add their type names to the location; keep the user's key only.
        loc = re.sub(r"\.(int|float|str|constrained-\w+|Normalization|list\[.*?\])(?=\.|$)", "", loc)
        msg = e["msg"].removeprefix("Value error, ")
        # A whole table as the input (a check across its keys) would bury the message.
        quiet = e["type"] in ("missing", "extra_forbidden", KEY_ERROR) or isinstance(e["input"], dict)
        got = "" if quiet else f" (got {e['input']!r})"
        if e["type"] == "extra_forbidden":
            table = f"`{loc.rpartition('.')[0]}`" if "." in loc else "the top level"
            msg = unknown_key(str(e["loc"][-1]), table_keys(e["loc"][:-1]), table)
        elif e["type"] == "literal_error" and isinstance(e["input"], str):
            msg += did_you_mean(e["input"], re.findall(r"'([^']*)'", e["ctx"]["expected"]), quote="'")
        problems.append(f"`{loc}`: {msg}{got}" if loc else f"{msg}{got}")
    unique = list(dict.fromkeys(problems))
    hint = (" Every key is described in the README's Experiment reference; `reportgen init` writes a "
            "commented starter." if any("unknown key" in p for p in problems) else "")
    return f"{source}: invalid experiment: " + "; ".join(unique) + "." + hint


# An experiment nests a few tables deep (models -> params -> a list); far deeper is no experiment,
# and would exhaust the recursion of the parser, the validator or the TOML writer.
MAX_NESTING = 16
MAX_EXPERIMENT_BYTES = 1_000_000  # a large experiment is a few kB


def nesting_depth(value: Any) -> int:
    """How many tables and lists deep `value` goes, counted without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def read_experiment_file(path: Path) -> dict[str, Any]:
    """The TOML of an experiment file; every way it cannot be read is one message naming the file."""
    if not path.is_file():
        raise UserError(f"{path}: no such experiment file; `reportgen init --template NAME` writes a starter "
                        f"({', '.join(TEMPLATES)})" if not path.exists() else
                        f"{path}: not a regular file; name the experiment's .toml file")
    if path.stat().st_size > MAX_EXPERIMENT_BYTES:
        raise UserError(f"{path}: {path.stat().st_size:,} bytes is no experiment file (those are a few kB); "
                        "is it the right file?")
    data = path.read_bytes()
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise UserError(f"{path}: line {line} is not UTF-8 text; save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:  # the parser recurses per nested value: this one is far deeper than MAX_NESTING
        raise UserError(f"{path}: nested more than {MAX_NESTING} tables or lists deep; an experiment "
                        "needs a few levels") from None


def load_experiment(path: str | Path, overrides: list[str] = (),
                    on_replace: Callable[[str], None] | None = None) -> Experiment:
    """The experiment file with the `--set` overrides applied; `on_replace` is told, in one line,
    which of the file's values the overrides replaced (nothing when they replaced none)."""
    path = Path(path)
    raw = read_experiment_file(path)
    notes = apply_overrides(raw, list(overrides))
    if nesting_depth(raw) > MAX_NESTING:
        source = f"{path} with --set {' '.join(overrides)}" if overrides else str(path)
        raise UserError(f"{source}: nested more than {MAX_NESTING} tables or lists deep; an experiment needs "
                        "a few levels")
    exp = validate_experiment(raw, str(path))
    if notes and on_replace is not None:
        on_replace(f"{'; '.join(notes)} of {path}")
    return exp


def validate_experiment(raw: dict[str, Any], source: str) -> Experiment:
    try:
        return Experiment.model_validate(raw)
    except ValidationError as e:
        raise UserError(format_validation_error(source, e)) from None


STORED = {"stored": True}  # the validation context of a run's stored experiment


def validate_stored_experiment(raw: dict[str, Any], source: str) -> Experiment:
    """A run's copy of its experiment, checked as when the run started but never against this
    machine's files: the data root and the tuning summary were on the machine that trained it,
    and rendering reads only the run directory."""
    try:
        return Experiment.model_validate(raw, context=STORED)
    except ValidationError as e:
        raise UserError(format_validation_error(source, e)) from None
