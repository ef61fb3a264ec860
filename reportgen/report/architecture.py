"""A model's architecture in plain words, from the facts of its layer table (read from its modules)
and the registry: the body's table of stages, the appendix's table of every layer with each
layer's note ("Keterangan"), the walkthrough of its code, its weight initialisation, and the code
listing the appendix shows."""

from __future__ import annotations

from reportgen.report.context import Context, appendix_id
from reportgen.report.document import CodeListing, Column, ItemList, Prose, Ref, Section, Table
from reportgen.schema.analysis import LayerRow, ModelAnalysis, Stage


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

    def __init__(self, cx: Context, m: ModelAnalysis):
        self.say, self.fmt = cx.say, cx.fmt
        linear = [r for r in m.architecture.rows if r.type == "Linear"]
        self.output = linear[-1] if linear else None  # the last linear layer gives the class logits

    def does(self, row: LayerRow, children: list[LayerRow] = ()) -> str:
        """The layer's own work, from its type and module facts; a container by what it holds."""
        say, out = self.say, row.output_shape
        if row.type == "Conv2d":
            strided = row.stride and max(row.stride) > 1
            return say(f"code.layer.{'conv_strided' if strided else 'conv'}", kernel=shape(row.kernel),
                       stride=setting(row.stride), filters=self.fmt.integer(out[0]))
        if row.type in ("MaxPool2d", "AvgPool2d"):
            return say(f"code.layer.{'maxpool' if row.type == 'MaxPool2d' else 'avgpool'}",
                       kernel=shape(row.kernel), stride=setting(row.stride))
        if row.type == "Linear":
            if row is self.output:
                return say("code.layer.output", outputs=self.fmt.integer(out[-1]))
            return say("code.layer.linear", inputs=self.fmt.integer(row.input_shape[-1]),
                       outputs=self.fmt.integer(out[-1]))
        if row.type == "Dropout" and row.dropout is not None:
            return say("code.layer.dropout", p=self.fmt.general(row.dropout))
        if row.type == "Sequential":
            return say("code.layer.sequence", contents=", ".join(counted([c.type for c in children])))
        simple = {"BatchNorm2d": ("batchnorm", {"channels": self.fmt.integer(out[0])}), "ReLU": ("relu", {}),
                  "AdaptiveAvgPool2d": ("global_pool", {}), "Identity": ("identity", {}),
                  "Flatten": ("flatten", {"values": self.fmt.integer(out[-1])})}
        if row.type in simple:
            key, values = simple[row.type]
            return say(f"code.layer.{key}", **values)
        try:
            return say(f"code.block.{row.type}")
        except KeyError:  # a class without words of its own: its name is what the table can say
            return row.type

    def changes(self, row: LayerRow) -> list[str]:
        """How the layer changes the shape, where its own words do not say it already."""
        say, before, after = self.say, row.input_shape, row.output_shape
        said = []
        if len(before) == len(after) == 3:
            if before[0] != after[0] and row.type not in ("Conv2d", "BatchNorm2d"):
                key = "channels_double" if after[0] == 2 * before[0] else "channels"
                said.append(say(f"code.layer.{key}", before=before[0], after=after[0]))
            if before[1:] != after[1:] and row.type != "AdaptiveAvgPool2d":
                key = "resolution_half" if [2 * x for x in after[1:]] == before[1:] else "resolution"
                said.append(say(f"code.layer.{key}", before=shape(before[1:]), after=shape(after[1:])))
        return said

    def projection(self, row: LayerRow) -> list[str]:
        # A stage says it through its first block, which the table lists under it.
        return [self.say("code.layer.projection")] if row.projection and row.type != "Sequential" else []

    def note(self, row: LayerRow, children: list[LayerRow] = ()) -> str:
        """The layer table's note: what the layer does and how it changes the shape."""
        return "; ".join([self.does(row, children), *self.changes(row), *self.projection(row)])

    def step(self, stage: Stage) -> str:
        """One walkthrough sentence: a stage's layers in the order they run, blocks counted; a
        layer that passes its input on unchanged (Identity) is left out, as it does nothing."""
        inner = [self.say("code.layer.with_projection", block=self.does(c)) if self.projection(c) else self.does(c)
                 for c in stage.children]
        rows = [stage.head, *[r for r in stage.folded if r.type != "Identity"]]
        parts = (counted(inner) if inner else [self.does(stage.head)]) + [self.does(r) for r in rows[1:]]
        return self.say("code.step", names=" + ".join(r.name for r in rows), what=" → ".join(parts),
                        shape_in=shape(stage.head.input_shape), shape_out=shape(stage.rows[-1].output_shape))


def layer_notes(cx: Context, m: ModelAnalysis) -> list[str]:
    """Every layer table row's note, in row order; a container's names what it directly holds."""
    words, rows = LayerWords(cx, m), m.architecture.rows
    notes = []
    for i, row in enumerate(rows):
        inside = next((j for j in range(i + 1, len(rows)) if rows[j].depth <= row.depth), len(rows))
        notes.append(words.note(row, [c for c in rows[i + 1:inside] if c.depth == row.depth + 1]))
    return notes


def init_text(cx: Context, m: ModelAnalysis) -> str:
    return cx.say(f"code.init.{m.init}") if m.init else "–"


def layer_table(cx: Context, m: ModelAnalysis) -> Table | None:
    """Every layer with its shapes, kernel, stride and padding (read from its module), parameters
    and a note on what it does: the appendix's table."""
    if not m.architecture:
        return None
    rows = [[("\u2003" * r.depth) + r.name, r.type, shape(r.input_shape), shape(r.output_shape), *settings(r),
             cx.fmt.integer(r.params), note] for r, note in zip(m.architecture.rows, layer_notes(cx, m))]
    rows.append([cx.say("ui.total"), "", "", "", "", "", "", cx.fmt.integer(m.architecture.total_params), ""])
    columns = [Column(cx.say("ui.layer")), Column(cx.say("ui.type")), Column(cx.say("ui.input_shape")),
               Column(cx.say("ui.output_shape")),
               *[Column(cx.say(f"code.column.{key}")) for key in ("kernel", "stride", "padding")],
               Column(cx.say("ui.params"), numeric=True), Column(cx.say("code.column.notes"))]
    return Table(f"table-layers-{m.slug}", cx.say("ui.caption.layers", model=cx.name(m.label),
                                                   params=cx.fmt.integer(m.params)),
                 columns, rows, emphasis_rows=1, role="layers")


def stage_table(cx: Context, m: ModelAnalysis) -> Table | None:
    """The body's compact architecture: one row per top-level stage with weights, the parameter-free
    layers after it (pooling, activation, flatten, dropout) folded into it; the full layer table
    goes to the appendix, which the caption points to."""
    if not m.architecture:
        return None
    rows = [[names, contents, out, cx.fmt.integer(params)]
            for names, contents, out, params in stage_rows(m).values()]
    rows.append([cx.say("ui.total"), "", "", cx.fmt.integer(m.architecture.total_params)])
    columns = [Column(cx.say("ui.layout.stage")), Column(cx.say("ui.layout.contents")),
               Column(cx.say("ui.output_shape")), Column(cx.say("ui.params"), numeric=True)]
    caption = cx.say_with("ui.layout.stages_caption", model=cx.name(m.label), params=cx.fmt.integer(m.params),
                          appendix=Ref(appendix_id("layers")))
    return Table(f"table-stages-{m.slug}", caption, columns, rows, emphasis_rows=1)


def stage_rows(m: ModelAnalysis) -> dict[str, tuple[str, str, str, int]]:
    """Per top-level stage with weights, under its first layer's name: its layer names, contents
    (the parameter-free layers after it folded in), output shape and parameter count."""
    return {s.head.name: (" + ".join(r.name for r in s.rows),
                          "; ".join([", ".join(counted([c.type for c in s.children])) or s.head.type]
                                    + [r.type for r in s.folded]),
                          shape(s.rows[-1].output_shape), sum(r.params for r in s.rows))
            for s in m.architecture.stages()}


FAMILY_SHARE = 2 / 3  # of the stages every model must have for the models to count as one family


def family_stage_table(cx: Context, models: list[ModelAnalysis]) -> Table | None:
    """Variants of one family (mostly the same stages) in one table: a row per stage, its contents
    and output shape once where every model agrees and model by model where they differ ("–" for
    a model without the stage), and each model's parameters; None when the models are not variants
    of one family (a CNN beside a ResNet), which keep a table each."""
    if len(models) < 2 or not all(m.architecture for m in models):
        return None
    stages = [stage_rows(m) for m in models]
    order: list[str] = []
    for rows in stages:  # every stage in running order; one a model adds goes after its predecessor
        for k, head in enumerate(rows):
            if head not in order:
                before = list(rows)[:k]
                order.insert(max((order.index(h) + 1 for h in before if h in order), default=0), head)
    if any(len(rows) < FAMILY_SHARE * len(order) for rows in stages):
        return None
    names = [cx.name(m.label) for m in models]

    def once_or_each(values: list[str | None]) -> str:
        given = [(name, v) for name, v in zip(names, values) if v is not None]
        if len({v for _, v in given}) == 1:
            return given[0][1]
        return "\n".join(f"{name}: {v}" for name, v in given)  # a line per model (role "family")

    table_rows = []
    for head in order:
        present_rows = [rows.get(head) for rows in stages]
        label = min((r[0] for r in present_rows if r), key=len)
        table_rows.append([label, once_or_each([r[1] if r else None for r in present_rows]),
                           once_or_each([r[2] if r else None for r in present_rows]),
                           *[cx.fmt.integer(r[3]) if r else "–" for r in present_rows]])
    table_rows.append([cx.say("ui.total"), "", "", *[cx.fmt.integer(m.architecture.total_params) for m in models]])
    columns = [Column(cx.say("ui.layout.stage")), Column(cx.say("ui.layout.contents")),
               Column(cx.say("ui.output_shape"))] + [Column(name, numeric=True) for name in names]
    caption = cx.say_with("ui.layout.family_stages_caption", models=cx.fmt.listing(names),
                          appendix=Ref(appendix_id("layers")))
    return Table("table-stages-family", caption, columns, table_rows, emphasis_rows=1, role="family")


def code_sections(cx: Context) -> list[Section]:
    """Every model's code section; a listing that is an earlier model's to the letter says so."""
    first: dict[str, str] = {}  # source -> the model it was first listed for
    sections = []
    for m in cx.analysis.models:
        if m.code is None or m.architecture is None:
            continue
        source = cx.clean(m.code.text).expandtabs(4)
        sections.append(code_section(cx, m, source, first.get(source)))
        first.setdefault(source, cx.name(m.label))
    return sections


def code_section(cx: Context, m: ModelAnalysis, source: str, listed: str | None) -> Section:
    """The model's own source for the appendix, with the code in plain words: what it defines,
    every stage in the order it runs with the shapes it turns, the initial weights, the parameters,
    and where the listing comes from. `listed`: the model whose listing this source already is."""
    architecture, name = m.architecture, cx.name(m.label)
    words = LayerWords(cx, m)
    return Section(f"code-{m.slug}", cx.say("code.heading", model=name), [
        Prose([cx.say("code.intro_repeat" if listed else "code.intro", names=cx.fmt.listing(m.code.names), model=name,
                      other=listed, shape=shape(architecture.input_shape))], id=f"text-code-intro-{m.slug}"),
        ItemList([words.step(s) for s in architecture.stages()], id=f"list-code-steps-{m.slug}"),
        Prose([cx.say("code.initial_weights", init=init_text(cx, m)),
               cx.say("code.params", params=cx.fmt.integer(architecture.total_params),
                      trainable=cx.fmt.integer(architecture.trainable_params))], id=f"text-code-facts-{m.slug}"),
        CodeListing(f"code-listing-{m.slug}", cx.say("code.caption", model=name, names=cx.fmt.listing(m.code.names)),
                    source, repeat=cx.say("code.repeat", model=name, other=listed) if listed else ""),
        Prose([cx.say(f"code.origin_{m.code.origin}", model=name, path=m.code.path)], id=f"text-code-origin-{m.slug}",
              role="small"),
    ])
