"""A model's architecture in plain words, from the facts of its layer table (read from its modules)
and the registry: each layer's note (the layer table's "Keterangan"), the walkthrough of its code,
its weight initialisation, and the code listing the appendix shows."""

from __future__ import annotations

from reportgen.schema.analysis import LayerRow, ModelAnalysis, Stage
from reportgen.language.format import Formatter
from reportgen.language.phrases import Phrases
from reportgen.language.text import clean_user_text as clean
from reportgen.report.document import CodeListing


def counted(items: list[str]) -> list[str]:
    """Runs of equal items counted, in order: ["a", "a", "b"] -> ["2 × a", "b"]."""
    runs: list[list] = []
    for item in items:
        if runs and runs[-1][0] == item:
            runs[-1][1] += 1
        else:
            runs.append([item, 1])
    return [f"{n} × {item}" if n > 1 else item for item, n in runs]


def shape(dims: list[int]) -> str:
    return "×".join(map(str, dims))


def setting(pair: list[int] | str | None) -> str:
    """A stride or padding as one number when height and width agree ("2"), else "2×1"."""
    if pair is None:
        return "–"
    if isinstance(pair, str):
        return pair
    return str(pair[0]) if pair[0] == pair[1] else shape(pair)


def settings(row: LayerRow) -> list[str]:
    """The layer table's kernel, stride and padding cells."""
    return [shape(row.kernel) if row.kernel else "–", setting(row.stride), setting(row.padding)]


class LayerWords:
    """What each layer of one model does, in one language."""

    def __init__(self, t: Phrases, f: Formatter, m: ModelAnalysis):
        self.t, self.f = t, f
        linear = [r for r in m.architecture.rows if r.type == "Linear"]
        self.output = linear[-1] if linear else None  # the last linear layer gives the class logits

    def does(self, row: LayerRow, children: list[LayerRow] = ()) -> str:
        """The layer's own work, from its type and module facts; a container by what it holds."""
        t, out = self.t, row.output_shape
        if row.type == "Conv2d":
            strided = row.stride and max(row.stride) > 1
            return t(f"code.layer.{'conv_strided' if strided else 'conv'}", kernel=shape(row.kernel),
                     stride=setting(row.stride), filters=self.f.integer(out[0]))
        if row.type in ("MaxPool2d", "AvgPool2d"):
            return t(f"code.layer.{'maxpool' if row.type == 'MaxPool2d' else 'avgpool'}", kernel=shape(row.kernel),
                     stride=setting(row.stride))
        if row.type == "Linear":
            if row is self.output:
                return t("code.layer.output", outputs=self.f.integer(out[-1]))
            return t("code.layer.linear", inputs=self.f.integer(row.input_shape[-1]), outputs=self.f.integer(out[-1]))
        if row.type == "Dropout" and row.dropout is not None:
            return t("code.layer.dropout", p=self.f.general(row.dropout))
        if row.type == "Sequential":
            return t("code.layer.sequence", contents=", ".join(counted([c.type for c in children])))
        simple = {"BatchNorm2d": ("batchnorm", {"channels": self.f.integer(out[0])}), "ReLU": ("relu", {}),
                  "AdaptiveAvgPool2d": ("global_pool", {}), "Identity": ("identity", {}),
                  "Flatten": ("flatten", {"values": self.f.integer(out[-1])})}
        if row.type in simple:
            key, values = simple[row.type]
            return t(f"code.layer.{key}", **values)
        try:
            return t(f"code.block.{row.type}")
        except KeyError:  # a class without words of its own: its name is what the table can say
            return row.type

    def changes(self, row: LayerRow) -> list[str]:
        """How the layer changes the shape, where its own words do not say it already."""
        t, before, after = self.t, row.input_shape, row.output_shape
        said = []
        if len(before) == len(after) == 3:
            if before[0] != after[0] and row.type not in ("Conv2d", "BatchNorm2d"):
                key = "channels_double" if after[0] == 2 * before[0] else "channels"
                said.append(t(f"code.layer.{key}", before=before[0], after=after[0]))
            if before[1:] != after[1:] and row.type != "AdaptiveAvgPool2d":
                key = "resolution_half" if [2 * x for x in after[1:]] == before[1:] else "resolution"
                said.append(t(f"code.layer.{key}", before=shape(before[1:]), after=shape(after[1:])))
        return said

    def projection(self, row: LayerRow) -> list[str]:
        # A stage says it through its first block, which the table lists under it.
        return [self.t("code.layer.projection")] if row.projection and row.type != "Sequential" else []

    def note(self, row: LayerRow, children: list[LayerRow] = ()) -> str:
        """The layer table's note: what the layer does and how it changes the shape."""
        return "; ".join([self.does(row, children), *self.changes(row), *self.projection(row)])

    def step(self, stage: Stage) -> str:
        """One walkthrough sentence: a stage's layers in the order they run, blocks counted; a
        layer that passes its input on unchanged (Identity) is left out, as it does nothing."""
        inner = [self.t("code.layer.with_projection", block=self.does(c)) if self.projection(c) else self.does(c)
                 for c in stage.children]
        rows = [stage.head, *[r for r in stage.folded if r.type != "Identity"]]
        parts = (counted(inner) if inner else [self.does(stage.head)]) + [self.does(r) for r in rows[1:]]
        return self.t("code.step", names=" + ".join(r.name for r in rows), what=" → ".join(parts),
                      shape_in=shape(stage.head.input_shape), shape_out=shape(stage.rows[-1].output_shape))


def layer_notes(t: Phrases, f: Formatter, m: ModelAnalysis) -> list[str]:
    """Every layer table row's note, in row order; a container's names what it directly holds."""
    words, rows = LayerWords(t, f, m), m.architecture.rows
    notes = []
    for i, row in enumerate(rows):
        inside = next((j for j in range(i + 1, len(rows)) if rows[j].depth <= row.depth), len(rows))
        notes.append(words.note(row, [c for c in rows[i + 1:inside] if c.depth == row.depth + 1]))
    return notes


def init_text(t: Phrases, m: ModelAnalysis) -> str:
    return t(f"code.init.{m.init}") if m.init else "–"


def code_listing(t: Phrases, f: Formatter, m: ModelAnalysis) -> CodeListing | None:
    """The model's own source for the appendix, with the code in plain words: what it defines,
    every stage in the order it runs with the shapes it turns, the initial weights, the parameters."""
    if m.code is None or m.architecture is None:
        return None
    a, label = m.architecture, clean(m.label)
    words = LayerWords(t, f, m)
    return CodeListing(
        model=label, heading=t("code.heading", model=label),
        caption=t("code.caption", model=label, names=f.listing(m.code.names)),
        origin=t(f"code.origin_{m.code.origin}", model=label, path=m.code.path),
        source=clean(m.code.text).expandtabs(4),
        intro=t("code.intro", names=f.listing(m.code.names), model=label, shape=shape(a.input_shape)),
        steps=[words.step(s) for s in a.stages()],
        facts=[t("code.initial_weights", init=init_text(t, m)),
               t("code.params", params=f.integer(a.total_params), trainable=f.integer(a.trainable_params))],
    )
