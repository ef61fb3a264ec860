"""A model's architecture in plain words, from the facts of its layer table (read from its modules)
and the registry: the body's table of stages, the appendix's table of every layer with each
layer's note ("Keterangan"), the walkthrough of its code, its weight initialisation, and the code
listing the appendix shows."""

from __future__ import annotations

import ast

from reportgen.report.context import Context, appendix_id, once_or_each
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


def settings_cell(row: LayerRow) -> str:
    """Kernel, stride and padding in one cell ("7×7 / 2 / 3"; "–" for a layer with none): a family
    table's parameter column per model leaves no room for three."""
    cells = settings(row)
    return "–" if all(c == "–" for c in cells) else " / ".join(cells)


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


def layer_tables(cx: Context) -> list[Table | Prose]:
    """The appendix's layer tables: one for the models whose layers align (layer_order), with its
    legend, and one for each model that aligns with no other."""
    groups: list[list[ModelAnalysis]] = []
    for m in (m for m in cx.analysis.models if m.architecture):
        group = next((g for g in groups if layer_order([*g, m])), None)
        if group:
            group.append(m)
        else:
            groups.append([m])
    return [block for g in groups for block in (family_layer_table(cx, g) if len(g) > 1 else [layer_table(cx, g[0])])]


def layer_order(models: list[ModelAnalysis]) -> list[str] | None:
    """The models' layers by name in running order when their layers align: variants of one family
    (family_order) whose layers of one name turn the same shape into the same shape; else None."""
    order = family_order([[r.name for r in m.architecture.rows] for m in models])
    shapes: dict[str, tuple] = {}
    for r in (r for m in models for r in m.architecture.rows):
        if shapes.setdefault(r.name, (r.input_shape, r.output_shape)) != (r.input_shape, r.output_shape):
            return None
    return order


def family_layer_table(cx: Context, models: list[ModelAnalysis]) -> list[Table | Prose]:
    """Models whose layers align (layer_order) in one table: a row per layer, its shapes, its
    kernel, stride and padding once where the models agree (model by model where not), each model's
    parameters ("–" for a model without the layer). A type that differs between the models, or a block with a
    projection shortcut, is a mark ("(1)") the legend under the table spells out model by model;
    the legend also says once per type what its layers do. A container's contents are the rows
    under it, and a change of shape is in the shape columns, so neither is said again."""
    names = [cx.name(m.label) for m in models]
    layers = [{r.name: r for r in m.architecture.rows} for m in models]
    words = [LayerWords(cx, m) for m in models]
    marks: dict[str, str] = {}  # the legend's spelling of a row's types -> its mark
    does: dict[str, list[str]] = {}  # type -> what its layers do, each said once
    rows = []
    for layer in layer_order(models):
        present = [by_name.get(layer) for by_name in layers]
        given = [r for r in present if r]
        kinds = [None if r is None else cx.say("code.layer.with_projection", block=r.type) if w.projection(r)
                 else r.type for r, w in zip(present, words)]
        kind = given[0].type
        if any(k not in (None, kind) for k in kinds):
            kind = marks.setdefault(once_or_each(names, kinds, "; "), f"({len(marks) + 1})")
        for r, w, m in zip(present, words, models):
            if r is not None and not has_children(m, r):
                said = does.setdefault(r.type, [])
                said += [text] if (text := w.does(r)) not in said else []
        rows.append([("\u2003" * given[0].depth) + layer, kind,
                     shape(given[0].input_shape), shape(given[0].output_shape),
                     once_or_each(names, [r and settings_cell(r) for r in present]),
                     *[cx.fmt.integer(r.params) if r else "–" for r in present]])
    rows.append([cx.say("ui.total"), "", "", "", "", *[cx.fmt.integer(m.architecture.total_params) for m in models]])
    columns = [Column(cx.say("ui.layer")), Column(cx.say("ui.type")), Column(cx.say("ui.input_shape")),
               Column(cx.say("ui.output_shape")), Column(cx.say("code.column.settings")),
               *[Column(name, numeric=True) for name in names]]
    slug = models[0].slug
    legend = [cx.say("code.legend.marks", marks="; ".join(f"{mark} {text}" for text, mark in marks.items()))] \
        if marks else []
    legend.append(cx.say("code.legend.types", types="; ".join(f"{t}: {', '.join(said)}" for t, said in does.items())))
    return [Table(f"table-layers-{slug}", cx.say("ui.caption.family_layers", models=cx.fmt.listing(names)),
                  columns, rows, emphasis_rows=1, role="layers"),
            Prose(legend, id=f"text-layers-legend-{slug}", role="legend")]


def has_children(m: ModelAnalysis, row: LayerRow) -> bool:
    rows = m.architecture.rows
    i = rows.index(row)
    return i + 1 < len(rows) and rows[i + 1].depth > row.depth


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


FAMILY_SHARE = 2 / 3  # of the stages (layers) every model must have for the models to count as one family


def family_order(keys: list[list[str]]) -> list[str] | None:
    """Every model's stages (or layers), by name, in running order, one a model adds after its
    predecessor; None when the models are not variants of one family (some model lacks more than
    FAMILY_SHARE of them: a CNN beside a ResNet)."""
    order: list[str] = []
    for names in keys:
        for k, name in enumerate(names):
            if name not in order:
                order.insert(max((order.index(h) + 1 for h in names[:k] if h in order), default=0), name)
    return order if all(len(names) >= FAMILY_SHARE * len(order) for names in keys) else None


def family_stage_table(cx: Context, models: list[ModelAnalysis]) -> Table | None:
    """Variants of one family (mostly the same stages) in one table: a row per stage, its contents
    and output shape once where every model agrees and model by model where they differ ("–" for
    a model without the stage), and each model's parameters; None when the models are not variants
    of one family, which keep a table each."""
    if len(models) < 2 or not all(m.architecture for m in models):
        return None
    stages = [stage_rows(m) for m in models]
    order = family_order([list(rows) for rows in stages])
    if order is None:
        return None
    names = [cx.name(m.label) for m in models]
    table_rows = []
    for head in order:
        present_rows = [rows.get(head) for rows in stages]
        label = min((r[0] for r in present_rows if r), key=len)
        table_rows.append([label, once_or_each(names, [r[1] if r else None for r in present_rows]),
                           once_or_each(names, [r[2] if r else None for r in present_rows]),
                           *[cx.fmt.integer(r[3]) if r else "–" for r in present_rows]])
    table_rows.append([cx.say("ui.total"), "", "", *[cx.fmt.integer(m.architecture.total_params) for m in models]])
    columns = [Column(cx.say("ui.layout.stage")), Column(cx.say("ui.layout.contents")),
               Column(cx.say("ui.output_shape"))] + [Column(name, numeric=True) for name in names]
    caption = cx.say_with("ui.layout.family_stages_caption", models=cx.fmt.listing(names),
                          appendix=Ref(appendix_id("layers")))
    return Table("table-stages-family", caption, columns, table_rows, emphasis_rows=1, role="family")


def code_sections(cx: Context) -> list[Section]:
    """Every model's code section; each code object (a top-level class or function, compared by its
    source text, as two runs' `ResNet` may differ) is printed for the first model that has it, and
    a later model's listing names the ones it shares instead of printing them again."""
    first: dict[str, str] = {}  # an object's source -> the model it was first listed for
    sections = []
    for m in cx.analysis.models:
        if m.code is None or m.architecture is None:
            continue
        source = cx.clean(m.code.text).expandtabs(4)
        objects = code_objects(source)
        sections.append(code_section(cx, m, source, objects, first))
        for text in objects.values():
            first.setdefault(text, cx.name(m.label))
    return sections


def code_objects(source: str) -> dict[str, str]:
    """The source's top-level classes and functions by name, each with the lines before it (its
    comments); a source Python cannot parse is one object under no name."""
    try:
        nodes = [n for n in ast.parse(source).body if hasattr(n, "name")]
    except SyntaxError:
        return {"": source}
    lines, objects, start = source.split("\n"), {}, 0
    for node in nodes:
        objects[node.name] = "\n".join(lines[start:node.end_lineno]).strip("\n")
        start = node.end_lineno
    if not objects:
        return {"": source}
    last = next(reversed(objects))
    objects[last] = "\n".join([objects[last], *lines[start:]]).strip("\n")  # what follows the last object
    return objects


def code_section(cx: Context, m: ModelAnalysis, source: str, objects: dict[str, str], first: dict[str, str]) -> Section:
    """The model's own source for the appendix, with the code in plain words: what it defines,
    every stage in the order it runs with the shapes it turns, the initial weights, the parameters,
    and where the listing comes from. `first`: the model an object's source was already listed for."""
    architecture, name = m.architecture, cx.name(m.label)
    words = LayerWords(cx, m)
    shared: dict[str, list[str]] = {}  # an earlier model -> the objects of its listing this one shares
    for key, text in objects.items():
        if text in first:
            shared.setdefault(first[text], []).append(key)
    new = [key for key, text in objects.items() if text not in first]
    repeat = cx.say("code.repeat", model=name, objects="; ".join(
        cx.say("code.repeat_part", names=cx.fmt.listing(keys), other=other) for other, keys in shared.items())) \
        if shared else ""
    return Section(f"code-{m.slug}", cx.say("code.heading", model=name), [
        Prose([cx.say("code.intro", names=cx.fmt.listing(m.code.names), model=name,
                      shape=shape(architecture.input_shape))], id=f"text-code-intro-{m.slug}"),
        ItemList([words.step(s) for s in architecture.stages()], id=f"list-code-steps-{m.slug}"),
        Prose([cx.say("code.initial_weights", init=init_text(cx, m)),
               cx.say("code.params", params=cx.fmt.integer(architecture.total_params),
                      trainable=cx.fmt.integer(architecture.trainable_params))], id=f"text-code-facts-{m.slug}"),
        CodeListing(f"code-listing-{m.slug}", cx.say("code.caption", model=name, names=cx.fmt.listing(
                        [key for key in new if key] or m.code.names)), source,
                    printed=source if not shared else "\n\n\n".join(objects[key] for key in new), repeat=repeat),
        Prose([cx.say(f"code.origin_{m.code.origin}", model=name, path=m.code.path)], id=f"text-code-origin-{m.slug}",
              role="small"),
    ])
