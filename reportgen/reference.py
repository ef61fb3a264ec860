"""The README's "Experiment reference": every key of an experiment TOML, generated from the config
models (their annotations, defaults and `description=`s) so the documentation cannot drift.

`python -m reportgen.reference` prints it; `--write README.md` replaces the README's copy between
the markers. tests/test_reference.py fails while the README's copy is stale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import types
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from reportgen.config import Experiment, nested_model
from reportgen.models.catalog import CATALOG

START = "<!-- experiment-reference:start -->"
END = "<!-- experiment-reference:end -->"
REGENERATE = "python -m reportgen.reference --write README.md"

NAMES = {int: ("int", "ints"), float: ("float", "floats"), str: ("string", "strings"), bool: ("bool", "bools"),
         dt.date: ("date", "dates"), Any: ("value", "values")}


# --- types ---------------------------------------------------------------------------------------

def constraint(metadata: Sequence[Any], name: str) -> Any:
    """The value of a field's constraint `name` (ge, gt, min_length, pattern, ...), else None."""
    return next((getattr(m, name) for m in metadata if getattr(m, name, None) is not None), None)


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def bounds(metadata: Sequence[Any]) -> str:
    """" ≥ 1", " in (0, 1)", " in [8, 1024]" from ge/gt/le/lt."""
    ge, gt, le, lt = (constraint(metadata, name) for name in ("ge", "gt", "le", "lt"))
    low = ("≥", "[", ge) if ge is not None else (">", "(", gt) if gt is not None else None
    high = ("≤", "]", le) if le is not None else ("<", ")", lt) if lt is not None else None
    if low and high:
        return f" in {low[1]}{number(low[2])}, {number(high[2])}{high[1]}"
    one = low or high
    return f" {one[0]} {number(one[2])}" if one else ""


def type_text(tp: Any, metadata: Sequence[Any] = (), plural: bool = False) -> str:
    """A readable type: "int ≥ 1", "float in (0, 1)", "sgd | adam", "list of 3 ints ≥ 1", ..."""
    metadata = list(metadata)
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        inner, *extra = args
        for item in extra:  # a nested Field(...) carries its constraints in .metadata
            metadata += item.metadata if isinstance(item, FieldInfo) else [item]
        return type_text(inner, metadata, plural)
    if origin in (Union, types.UnionType):
        return ", or ".join(type_text(a, metadata, plural) for a in args if a is not type(None))
    if origin is Literal:
        return " | ".join(map(str, args))
    if origin is list:
        low, high = constraint(metadata, "min_length"), constraint(metadata, "max_length")
        count = f"{low} " if low is not None and low == high else f"≥ {low} " if low else ""
        return f"list{'s' if plural else ''} of {count}{type_text(args[0], plural=True)}"
    if origin is dict:
        return f"table{'s' if plural else ''} of key -> {type_text(args[1])}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "tables" if plural else "table"
    text = NAMES[tp][plural]
    pattern = constraint(metadata, "pattern")
    return f"{text} matching `{pattern}`" if pattern else text + bounds(metadata)


# --- rows ----------------------------------------------------------------------------------------

Row = tuple[str, str, str, str]  # key, type, default, meaning


def default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    return "unset" if info.default is None else f"`{json.dumps(info.default, ensure_ascii=False)}`"


def field_rows(key: str, info: FieldInfo, documented: dict[type[BaseModel], str]) -> Iterator[Row]:
    """The row of one key, then the rows of the keys of its table, if it holds one. A table that
    has its own section (a model's `train`) is one row pointing there."""
    table = nested_model(info.annotation)
    if table in documented:
        yield f"{key}.*", f"any key of `{documented[table]}`", f"`{documented[table]}`'s", info.description
        return
    yield key, type_text(info.annotation, info.metadata), default_text(info), info.description
    if table is not None:
        yield from rows(table, f"{key}[]." if get_origin(info.annotation) is list else f"{key}.", documented)


def rows(model: type[BaseModel], prefix: str, documented: dict[type[BaseModel], str]) -> Iterator[Row]:
    for name, info in model.model_fields.items():
        yield from field_rows(prefix + name, info, documented)


# --- sections ------------------------------------------------------------------------------------

@dataclass
class Section:
    heading: str
    intro: str
    rows: list[Row]
    level: int = 3


def sections() -> list[Section]:
    """The top-level keys, a section per table of Experiment in its order, then `params` per arch."""
    top = Section("Top level", "Keys outside any table.", [])
    out, documented = [top], {}
    for name, info in Experiment.model_fields.items():
        table = nested_model(info.annotation)
        if table is None:
            top.rows += field_rows(name, info, documented)
            continue
        many = get_origin(info.annotation) is list
        heading = f"[[{name}]]" if many else f"[{name}]"
        at_least = constraint(info.metadata, "min_length")
        need = f"Required{f', at least {at_least}' if at_least else ''}" if info.is_required() else "Optional"
        rows_of_table = list(rows(table, f"{heading if many else name}.", documented))
        out.append(Section(f"`{heading}`", f"*{need}.* {info.description}", rows_of_table))
        documented[table] = heading
    return out + params_sections()


def params_sections() -> list[Section]:
    archs = "\n".join(f"| `{a.name}` | {cell(a.summary)} | {'below' if a.params_model else 'none'} |"
                      for a in CATALOG.values())
    overview = Section("`[[models]].params` per `arch`",
                       "What each architecture takes in `params` (`reportgen models` counts their weights):\n\n"
                       "| arch | model | `params` |\n| --- | --- | --- |\n" + archs, [])
    per_arch = [Section(f"`arch = \"{a.name}\"`", "", list(rows(a.params_model, "[[models]].params.", {})), level=4)
                for a in CATALOG.values() if a.params_model is not None]
    return [overview, *per_arch]


# --- markdown ------------------------------------------------------------------------------------

def cell(text: str) -> str:
    return text.replace("|", "\\|")  # a bare pipe would end the table cell


def render() -> str:
    """The generated Markdown that goes between the README's markers."""
    blocks = [f"<!-- generated from reportgen/config.py by `{REGENERATE}`; edit the models' descriptions -->"]
    for s in sections():
        blocks += [f"{'#' * s.level} {s.heading}", s.intro.strip()]
        if s.rows:
            blocks.append("\n".join(["| key | type | default | meaning |", "| --- | --- | --- | --- |"] + [
                f"| `{key}` | {cell(kind)} | {cell(default)} | {cell(meaning)} |"
                for key, kind, default, meaning in s.rows]))
    return "\n\n".join(b for b in blocks if b) + "\n"


def replace_block(text: str, block: str) -> str:
    """`text` with what stands between the markers replaced by `block`."""
    before, start, rest = text.partition(START)
    _, end, after = rest.partition(END)
    if not (start and end):
        raise ValueError(f"the markers {START} ... {END} are missing")
    return f"{before}{START}\n{block}{END}{after}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, metavar="README", help="replace the text between the markers")
    args = parser.parse_args()
    if args.write:
        args.write.write_text(replace_block(args.write.read_text(encoding="utf-8"), render()), encoding="utf-8")
    else:
        print(render(), end="")


if __name__ == "__main__":
    main()
