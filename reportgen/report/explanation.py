"""What the models look at: the feature maps of each model's most confident correct and wrong image
(stage by stage), its Grad-CAM maps and gallery of mistakes, and the images the baseline and each
other model classify differently. The sentences state measured facts about the maps (their
activity, where a map peaks, how concentrated it is), never what an image shows. The body keeps
the Grad-CAM of the two feature-map images; the rest is the appendix's."""

from __future__ import annotations

from reportgen.report.context import Context, present
from reportgen.report.document import FigureRow, Group, Prose, Section
from reportgen.report.state import may, state_words
from reportgen.schema.analysis import Disagreement, FeatureMapCase, ModelAnalysis


def feature_map_section(cx: Context) -> Section:
    """Visualisasi Feature Map: the maps are the appendix's; the body points there."""
    return Section("feature-maps", cx.say("ui.section.feature_maps"), present(cx.see("feature_maps")))


def explanation_section(cx: Context) -> Section:
    """Grad-CAM dan Galeri Kesalahan: per model what its maps show, then where the models disagree."""
    models = [Section(f"explanation-{m.slug}", cx.name(m.label),
                      [Prose(overview(cx, m), id=f"text-explanation-{m.slug}"), *explained(cx, m, ("cases",))],
                      numbered=False)
              for m in cx.analysis.models if m.accuracy is not None and m.explanation is not None]
    groups = [Group([Prose(disagreement_sentences(cx, d), id=f"text-disagreement-{slug}")],
                    id=f"group-disagreement-{slug}", keep=False,
                    title=cx.say("explain.heading.disagreement", a=cx.name(d.a), b=cx.name(d.b)))
              for d, slug in zip(cx.analysis.disagreements, disagreement_keys(cx))]
    disagreements = Section("disagreements", cx.say("explain.ui.disagreements"),
                            groups + present(cx.see("disagreements")), numbered=False) if groups else None
    return Section("explanation", cx.say("explain.ui.section"), present(cx.see("explanation")),
                   models + present(disagreements))


def disagreement_keys(cx: Context) -> list[str]:
    """The id of each disagreement's parts: the other model's (the baseline is `a` of every one)."""
    slugs = {m.label: m.slug for m in cx.analysis.models}
    return [slugs[d.b] for d in cx.analysis.disagreements]


def explained(cx: Context, m: ModelAnalysis, names: tuple[str, ...]) -> list[Group]:
    """The Grad-CAM figures `names` of a model ("cases", "per_class", "gallery"), each with its
    sentences; a figure the analysis did not draw is left out, its sentences kept."""
    explanation, name = m.explanation, cx.name(m.label)
    captions = {"cases": cx.say("explain.ui.caption_cases", model=name, layer=explanation.target_layer),
                "per_class": cx.say("explain.ui.caption_per_class", model=name, shown=explanation.classes_shown,
                                    total=len(cx.analysis.dataset.classes), limit=explanation.per_class_limit),
                "gallery": cx.say("explain.ui.caption_gallery", model=name, limit=explanation.gallery_limit)}
    sentences = {"cases": case_sentences(cx, m), "per_class": [], "gallery": gallery_sentences(cx, m)}
    groups = []
    for key in names:
        if key not in explanation.figures and not sentences[key]:
            continue
        heading = cx.say(f"explain.heading.{key}", model=name)
        # every map all zero or non-finite: the figure would show uniform squares, and the overview
        # (explain.narrative.summary_empty) says why no map is shown
        drawn = key in explanation.figures and explanation.median_top_share is not None
        figure = cx.figure(f"figure-cam-{key}-{m.slug}", captions[key], explanation.figures[key], kind="image",
                           short=heading) if drawn else None
        groups.append(Group(present(figure, Prose(sentences[key], id=f"text-cam-{key}-{m.slug}",
                                                  role="detail" if key == "gallery" else "")),
                            id=f"group-cam-{key}-{m.slug}", title=heading, keep=False))
    return groups


# --- the sentences ---------------------------------------------------------------------------------


def overview(cx: Context, m: ModelAnalysis) -> list[str]:
    """The layer, and how concentrated the maps are; that a failed model's maps are not read."""
    fmt, explanation, name = cx.fmt, m.explanation, cx.name(m.label)
    out = [cx.say("explain.narrative.method", model=name, layer=explanation.target_layer,
                  top=fmt.percent(explanation.top_pixels), threshold=fmt.percent(explanation.concentrated_share))]
    if explanation.median_top_share is None:
        out.append(cx.say("explain.narrative.summary_empty", maps=explanation.maps))
    else:
        out.append(cx.say("explain.narrative.summary", maps=explanation.maps,
                          median=fmt.percent(explanation.median_top_share), concentrated=explanation.concentrated))
    if not may(m, "grad_cam"):  # the maps of a model that has not learned show where its failure looks
        out.append(cx.say("explain.narrative.not_interpreted", model=name, state=state_words(cx, m)))
    return out


def case_sentences(cx: Context, m: ModelAnalysis) -> list[str]:
    """Where each feature-map image's map peaks and how much of its mass is in its brightest pixels."""
    fmt, explanation = cx.fmt, m.explanation
    out = []
    if not may(m, "grad_cam"):  # where a model that has not learned looks is no reading of what it learned
        return out
    for c in explanation.cases:
        kind = "correct" if c.true_label == c.pred_label else "wrong"
        case = cx.say(f"explain.narrative.case_{kind}", true=cx.clean(c.true_label), pred=cx.clean(c.pred_label),
                      confidence=fmt.percent(c.confidence))
        if c.top_share is None or c.region is None:  # an all-zero or non-finite map has no peak to read
            out.append(cx.say("explain.narrative.case_empty", case=case))
            continue
        out.append(cx.say("explain.narrative.case", case=case, region=cx.say(f"explain.region.{c.region}"),
                          share=fmt.percent(c.top_share), top=fmt.percent(explanation.top_pixels),
                          spread=cx.say(f"explain.narrative.{'concentrated' if c.concentrated else 'spread'}")))
    return out


def gallery_sentences(cx: Context, m: ModelAnalysis) -> list[str]:
    """Each confused pair's count and the confidences of the mistakes shown; no mistakes, when so."""
    fmt = cx.fmt
    out = [cx.say("explain.narrative.gallery", true=cx.clean(g.true_label), pred=cx.clean(g.pred_label),
                  count=g.count, split=cx.split, confidences=fmt.listing([fmt.percent(c.confidence) for c in g.images]))
           for g in m.explanation.gallery]
    if m.accuracy == 1:
        out.append(cx.say("explain.narrative.no_mistakes", model=cx.name(m.label), split=cx.split))
    return out


def disagreement_sentences(cx: Context, disagreement: Disagreement) -> list[str]:
    """The discordant counts of two models, and which of those images are shown."""
    values = dict(a=cx.name(disagreement.a), b=cx.name(disagreement.b), n=cx.fmt.integer(disagreement.n),
                  split=cx.split)
    if not disagreement.a_only and not disagreement.b_only:
        return [cx.say("explain.narrative.disagreement_none", **values)]
    return [cx.say("explain.narrative.disagreement", a_only=cx.fmt.integer(disagreement.a_only),
                   b_only=cx.fmt.integer(disagreement.b_only), **values),
            cx.say("explain.narrative.disagreement_shown", limit=disagreement.limit)]


def feature_case_sentences(cx: Context, m: ModelAnalysis, case: FeatureMapCase) -> list[str]:
    """A feature-map image: its prediction, the first and last stage, how the activity changes
    (the analysis's verdict against its threshold), and whether the mistake is a frequent one."""
    fmt = cx.fmt
    out = [cx.say("narrative.features.correct" if case.correct else "narrative.features.wrong",
                  true=cx.clean(case.true_label), pred=cx.clean(case.pred_label),
                  confidence=fmt.percent(case.confidence))]
    if not may(m, "feature_maps"):  # a model that has not learned shows no learned features
        return out + [cx.say("narrative.failure.features_not_interpreted", model=cx.name(m.label),
                             state=state_words(cx, m))]
    first, last = case.stages[0], case.stages[-1]
    for key, s in (("early", first), ("late", last)):
        out.append(cx.say(f"narrative.features.{key}", stage=s.stage, channels=s.shape[0], height=s.shape[1],
                          width=s.shape[2]))
    activity = case.activity
    if activity is not None:
        out.append(cx.say(f"narrative.features.{activity.trend}", early=fmt.percent(first.active_fraction),
                          late=fmt.percent(last.active_fraction), first_stage=first.stage, last_stage=last.stage,
                          change=fmt.pp(abs(activity.change_pp), signed=False),
                          threshold=fmt.pp(activity.threshold_pp, signed=False)))
        if activity.sparse_late:
            out.append(cx.say("narrative.features.sparse_late", share=fmt.percent(activity.sparse_share),
                              stage=last.stage))
    if not case.correct and m.diagnostics:
        pair = next((p for p in m.diagnostics.confused_pairs
                     if (p.true_label, p.pred_label) == (case.true_label, case.pred_label)), None)
        if pair:
            out.append(cx.say("narrative.features.frequent_mistake", count=pair.count, split=cx.split))
    return out


# --- the appendix's parts --------------------------------------------------------------------------


def feature_map_blocks(cx: Context) -> list:
    """Each model's two feature-map images side by side, then what each shows."""
    blocks = []
    for m in cx.analysis.models:
        if m.accuracy is None or not m.feature_maps:
            continue
        name, figures, sentences = cx.name(m.label), [], []
        for case in m.feature_maps:
            kind = "correct" if case.correct else "wrong"
            caption = (cx.say("ui.caption.feature_correct", model=name, true=cx.clean(case.true_label))
                       if case.correct else cx.say("ui.caption.feature_wrong", model=name,
                                                   true=cx.clean(case.true_label), pred=cx.clean(case.pred_label)))
            figures.append(cx.figure(f"figure-featuremaps-{kind}-{m.slug}", caption, case.figure, kind="image"))
            sentences.append(Prose(feature_case_sentences(cx, m, case), id=f"text-featuremaps-{kind}-{m.slug}",
                                   role="detail"))
        blocks += [FigureRow(figures), *sentences]
    return blocks


def explanation_detail(cx: Context) -> list[Section]:
    """Per model its Grad-CAM per class and its gallery of mistakes."""
    sections = [Section(f"explanation-detail-{m.slug}", cx.name(m.label),
                        explained(cx, m, ("per_class", "gallery")))
                for m in cx.analysis.models if m.accuracy is not None and m.explanation is not None]
    return [s for s in sections if s.blocks]


def disagreement_figures(cx: Context) -> list:
    return [cx.figure(f"figure-disagreement-{slug}", cx.say("explain.ui.caption_disagreement", a=cx.name(d.a),
                                                            b=cx.name(d.b), limit=d.limit), d.figure, kind="image",
                      short=cx.say("explain.heading.disagreement", a=cx.name(d.a), b=cx.name(d.b)))
            for d, slug in zip(cx.analysis.disagreements, disagreement_keys(cx)) if d.figure]
