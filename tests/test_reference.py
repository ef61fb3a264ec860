"""The README's Experiment reference: generated from the config models, and complete."""

from pathlib import Path

import pytest
from pydantic import BaseModel

from reportgen import config, reference
from reportgen.models import ARCHITECTURES

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_reference_is_current():
    text = README.read_text(encoding="utf-8")
    assert reference.replace_block(text, reference.render()) == text, (
        f"README.md's Experiment reference is stale: run `{reference.REGENERATE}`")


CONFIG_MODELS = [m for m in vars(config).values() if isinstance(m, type) and issubclass(m, BaseModel)
                 and m.__module__ == config.__name__ and m.model_fields]
PARAMS_MODELS = [a.params_model for a in ARCHITECTURES.values() if a.params_model is not None]


@pytest.mark.parametrize("model", CONFIG_MODELS + PARAMS_MODELS, ids=lambda m: m.__name__)
def test_every_field_has_a_description(model):
    assert [name for name, info in model.model_fields.items() if not info.description] == []


def test_every_key_is_listed():
    keys = {row[0] for section in reference.sections() for row in section.rows}
    assert {"name", "data.val_split", "train.lr", "[[models]].arch", "[[models]].train.*", "report.authors[].name",
            "data.normalize.std", "tune.space", "[[models]].params.conv_filters"} <= keys
    rendered = reference.render()
    assert "| `train.optimizer` | sgd \\| adam \\| rmsprop | `\"sgd\"` |" in rendered
    assert "| `data.val_split` | int ≥ 1, or float in (0, 1) | `0.2` |" in rendered
    assert "| `data.dataset` | cifar10 \\| imagefolder \\| csv \\| digits \\| synthetic | required |" in rendered


def test_write_replaces_only_the_marked_block(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{reference.START}\nold\n{reference.END}\n\n## after\n")
    monkeypatch.setattr("sys.argv", ["reference", "--write", str(readme)])
    reference.main()
    assert readme.read_text() == f"# x\n\n{reference.START}\n{reference.render()}{reference.END}\n\n## after\n"
