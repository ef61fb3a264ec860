"""Hasil Akhir per Model: each model's accuracy and loss at its best epoch (one table for all
models), what could not be computed, its curves (every compared model's in one figure; every
epoch's numbers when there are too few to draw), and what the curves show. Which sentence is said
(overfitting, a rising validation loss, stability, divergence) is the analysis's verdict; this
module only words it. A lone model's seeds are shown here; compared models' in the appendix."""

from __future__ import annotations

from reportgen.report.context import Context, once_or_each, present
from reportgen.report.document import Column, Figure, FigureRow, Group, Prose, Section, Table
from reportgen.report.seeds import seed_results
from reportgen.report.state import may, state_words
from reportgen.schema.analysis import ModelAnalysis


def final_results(cx: Context) -> Section:
    grid = curve_grid(cx)
    models = cx.analysis.models
    # the notes stay under the table they qualify
    together = present(final_table(cx, models), *[model_notes(cx, m) for m in models])
    blocks = present(Group(together) if together else None)
    for m in models:
        curves = [] if grid else [
            cx.figure(f"figure-{kind}-{m.slug}", cx.say(f"ui.caption.curve_{kind}", model=cx.name(m.label)),
                      m.figures[kind]) for kind in ("loss", "accuracy") if m.figures.get(kind)]
        blocks += present(history_table(cx, m), FigureRow(curves) if curves else None,
                          Prose(curve_sentences(cx, m), id=f"text-curves-{m.slug}"),
                          None if cx.analysis.comparison else seed_results(cx, m))
    return Section("final", cx.say("ui.section.final"), present(grid) + blocks + present(cx.see("lr_schedule")))


def curve_grid(cx: Context) -> Figure | None:
    """Compared models' curves in one figure, a panel per model and metric on shared axes, in place
    of a pair of figures per model; None for one model (its own pair) or when no model has curves."""
    comparison = cx.analysis.comparison
    if comparison is None or not any(m.figures.get("loss") for m in cx.analysis.models):
        return None
    return cx.figure("figure-curves", cx.say("ui.caption.curves"), comparison.figures["curves"], role="grid")


def model_notes(cx: Context, m: ModelAnalysis) -> Prose | None:
    """What could not be computed for the model, and why."""
    if not m.notes:
        return None
    return Prose([f"{cx.say('ui.note')}: {cx.say(f'narrative.note.{n.key}', **n.values)}" for n in m.notes],
                 id=f"text-notes-{m.slug}", role="note")


def final_table(cx: Context, models: list[ModelAnalysis]) -> Table | None:
    """Every model with a best epoch in one table, a row each: its best epoch and its training and
    validation accuracy and loss there; the metric that chose the epoch in the caption."""
    scored = [m for m in models if m.best_epoch]
    if not scored:
        return None
    fmt = cx.fmt
    said = once_or_each([cx.name(m.label) for m in scored],
                        [cx.say(f"narrative.monitor.{m.train_config['monitor']}") for m in scored], "; ")
    training, validation = cx.say("ui.training").lower(), cx.say("ui.validation").lower()
    columns = [Column(cx.say("ui.model")), Column(cx.say("ui.seeds.best_epoch"), numeric=True)] + [
        Column(f"{cx.say(metric)} {split}", numeric=True) for metric in ("ui.accuracy", "ui.loss")
        for split in (training, validation)]
    rows = [[cx.name(m.label), str(m.best_epoch), fmt.percent(m.train_acc), fmt.percent(m.val_acc),
             fmt.decimal(m.train_loss), fmt.decimal(m.val_loss)] for m in scored]
    return Table("table-final", cx.say("ui.caption.final", monitor=said), columns, rows)


def history_table(cx: Context, m: ModelAnalysis) -> Table | None:
    """Every epoch's numbers, shown instead of curves when there are too few epochs to draw a
    line through (the analysis then draws no curve figure)."""
    fmt, history = cx.fmt, m.history
    if not history.epoch or m.figures.get("loss"):
        return None
    training, validation = cx.say("ui.training").lower(), cx.say("ui.validation").lower()
    columns = [Column(cx.say("ui.layout.epoch"), numeric=True)] + [
        Column(f"{cx.say(metric)} {split}", numeric=True) for metric in ("ui.loss", "ui.accuracy")
        for split in (training, validation)]
    rows = [[str(e), fmt.decimal(tl), fmt.decimal(vl), fmt.percent(ta), fmt.percent(va)]
            for e, tl, vl, ta, va in zip(history.epoch, history.train_loss, history.val_loss, history.train_acc,
                                         history.val_acc)]
    return Table(f"table-history-{m.slug}", cx.say("ui.layout.history_caption", model=cx.name(m.label)), columns, rows)


# --- what the curves show -------------------------------------------------------------------------


def curve_sentences(cx: Context, m: ModelAnalysis) -> list[str]:
    """The training in words: its length and best epoch, early stopping, then the verdicts on the
    gap, the validation loss and stability, each with its threshold and noise; a divergence
    instead of those, with its evidence and the advice."""
    fmt, name = cx.fmt, cx.name(m.label)
    out = []
    if m.status == "diverged":
        out.append(cx.say("narrative.curves.diverged", model=name, epoch=m.epochs_run) if m.epochs_run
                   else cx.say("narrative.curves.diverged_early", model=name))
    if m.best_epoch is None:
        return out + ([lr_advice(cx, m)] if m.status == "diverged" else [])
    monitor = m.train_config["monitor"]  # the metric that chose the best epoch is the one named
    out.append(cx.say(f"narrative.curves.summary_{monitor}", model=name, epochs=m.epochs_run,
                      val_acc=fmt.percent(m.val_acc), best_epoch=m.best_epoch, train_acc=fmt.percent(m.train_acc),
                      val_loss=fmt.decimal(m.val_loss)))
    if m.stopped_early:
        out.append(cx.say("narrative.curves.early_stop", patience=m.train_config["early_stopping_patience"],
                          monitor=cx.say(f"narrative.monitor.{monitor}")))
    if m.status == "pruned":
        out.append(cx.say("narrative.curves.pruned"))
    diagnostics = m.diagnostics
    if diagnostics is None:
        return out + ([lr_advice(cx, m)] if m.status == "diverged" else [])
    if diagnostics.failure == "diverged":  # the divergence explains the curves: no overfitting or memorisation claims
        return out + divergence(cx, m)
    if not may(m, "overfitting"):  # collapsed or at chance: its curves show a failure, not how it generalises
        return out + [cx.say("narrative.curves.not_judged", model=name, state=state_words(cx, m))]
    return out + gap_sentences(cx, m) + stability_sentences(cx, m)


def gap_sentences(cx: Context, m: ModelAnalysis) -> list[str]:
    """The training−validation gap against its threshold and noise, and the validation loss's rise."""
    fmt, diagnostics = cx.fmt, m.diagnostics
    out = []
    if diagnostics.gap_acc_pp < 0:
        out.append(cx.say("narrative.curves.val_above_train", gap=fmt.pp(-diagnostics.gap_acc_pp, signed=False),
                          why=training_only(cx, m)))
    else:
        key = {True: "overfit", False: "no_overfit", None: "overfit_insufficient"}[diagnostics.overfit]
        out.append(cx.say(f"narrative.curves.{key}", gap=fmt.pp(diagnostics.gap_acc_pp, signed=False),
                          threshold=fmt.pp(diagnostics.overfit_threshold_pp, signed=False),
                          noise=fmt.pp(diagnostics.val_noise_pp, signed=False), n=fmt.integer(diagnostics.val_size)))
    if diagnostics.val_loss_rising is not False and not may(m, "memorising"):
        # still improving (undertrained): a rising validation loss is no sign of memorising yet
        out.append(cx.say("narrative.curves.val_loss_rise_undertrained", rise=fmt.decimal(diagnostics.val_loss_rise)))
    elif diagnostics.val_loss_rising is not False:
        out.append(cx.say("narrative.curves.val_loss_rise" if diagnostics.val_loss_rising
                          else "narrative.curves.val_loss_rise_insufficient",
                          rise=fmt.decimal(diagnostics.val_loss_rise),
                          threshold=fmt.decimal(diagnostics.val_loss_rise_threshold),
                          noise=fmt.decimal(diagnostics.val_loss_noise), n=fmt.integer(diagnostics.val_size)))
    return out


def training_only(cx: Context, m: ModelAnalysis) -> str:
    """Why validation accuracy can exceed training accuracy, from what the model trained with."""
    conditions = m.conditions
    if conditions is None:  # the analysis does not know what it trained with
        return cx.say("narrative.curves.why_unknown")
    what = ([cx.say("narrative.curves.dropout", p=cx.fmt.general(conditions.dropout))] if conditions.dropout else []) + (
        [cx.say("narrative.curves.augmentation", augment=", ".join(conditions.augmentation))]
        if conditions.augmentation else [])
    if not what:
        return cx.say("narrative.curves.why_plain")
    return cx.say("narrative.curves.why_regularised", what=cx.fmt.listing(what))


def stability_sentences(cx: Context, m: ModelAnalysis) -> list[str]:
    """Stable or not, the spikes and the fluctuation, and a training loss that peaked; that the run
    was too short to judge, when it was."""
    fmt, diagnostics = cx.fmt, m.diagnostics
    if diagnostics.stable is None:
        return [cx.say("narrative.curves.too_short", epochs=m.epochs_run, min=diagnostics.min_epochs_for_stability)]
    limits = dict(ratio=fmt.number(diagnostics.spike_ratio, 1),
                  fluctuation=fmt.number(diagnostics.val_loss_fluctuation, 3),
                  threshold=fmt.number(diagnostics.fluctuation_threshold, 2))
    out = []
    if diagnostics.stable:
        out.append(cx.say("narrative.curves.stable", **limits))
    if diagnostics.val_loss_spikes:
        out.append(cx.say("narrative.curves.spikes", ratio=limits["ratio"],
                          epochs=fmt.listing([str(e) for e in diagnostics.val_loss_spikes])))
    if diagnostics.fluctuating:
        out.append(cx.say("narrative.curves.fluctuating", **limits))
    if diagnostics.train_loss_peaked:
        out.append(cx.say("narrative.curves.train_loss_peak", peak=fmt.decimal(diagnostics.max_train_loss),
                          epoch=diagnostics.max_train_loss_epoch, first=fmt.decimal(diagnostics.train_loss_first)))
    return out


def divergence(cx: Context, m: ModelAnalysis) -> list[str]:
    """The evidence of a divergence (a non-finite loss is already stated) and the advice."""
    fmt, diagnostics = cx.fmt, m.diagnostics
    out = []
    if "train_loss_rising" in diagnostics.divergence:
        out.append(cx.say("narrative.failure.diverged_train_loss", first=fmt.decimal(diagnostics.train_loss_first),
                          last=fmt.decimal(diagnostics.train_loss_last),
                          factor=fmt.general(diagnostics.train_loss_rise_factor)))
    if "val_loss_exploding" in diagnostics.divergence:
        out.append(cx.say("narrative.failure.diverged_val_loss", last=fmt.decimal(diagnostics.val_loss_last),
                          min=fmt.decimal(diagnostics.val_loss_min),
                          factor=fmt.general(diagnostics.val_loss_explosion_factor)))
    return out + [lr_advice(cx, m)]


def lr_advice(cx: Context, m: ModelAnalysis) -> str:
    return cx.say("narrative.failure.diverged_advice", lr=cx.fmt.general(m.train_config["lr"]))
