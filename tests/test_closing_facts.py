"""The closing parts and dataset facts: the qualitative comparison table, each
modification's hypothesis with its outcome, the key insight and limits (claims backed by the pair
tests, numbers by the facts), the dataset's display name, the class distribution, the links, the
statement of tools used and the references slide."""

from __future__ import annotations

import html
import json
import re

import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pptx import Presentation

import reportgen
from helpers import HANDMADE, history_rows, pdf_text
from reportgen.analysis import analyse, load_analysis
from reportgen.analysis.depth import weight_depth
from reportgen.config import validate_experiment
from reportgen.errors import UserError
from reportgen.language.format import Formatter
from reportgen.language.phrases import LANGUAGES, Phrases
from reportgen.models import ARCHITECTURES, build
from reportgen.report import build_document
from reportgen.analysis.verdicts import LARGER_FACTOR, judge
from reportgen.report.context import Context
from reportgen.report.document import Emphasis, plain
from reportgen.report.qualitative import insight, limits, outcome
from helpers import slide_texts
from helpers import NAMES, fact_numbers, generated_analysis, numbers, significant, templates
from reportgen.report.state import learned


def deck_texts(path) -> list[str]:
    """Every paragraph and table cell of a deck file."""
    return slide_texts(Presentation(str(path)))


def plain_page(text: str) -> str:
    """An HTML page's text, as a reader sees it."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<style>.*?</style>|<[^>]+>", " ", text, flags=re.S)))


# --- the qualitative comparison table ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_qualitative_table_cells_are_the_facts(make_run, lang):
    """Every cell from analysis.json: depth, parameters, time, the gap with the overfitting verdict,
    stability, accuracy with its interval; a verdict the evidence does not allow says so."""
    # Small CNN: a 10 pp gap on 9 validation images (noise ~14 pp): insufficient evidence.
    # ResNet18: 4 epochs, too few to judge stability.
    run = make_run(predictions={"Small CNN": [0, 0, 0, 1, 1, 2, 2, 2, 2], "ResNet18": [0, 1, 1, 1, 1, 1, 2, 2, 0]},
                   histories={"Small CNN": history_rows([.5, .6, .7, .8, .85, .9], [.5, .55, .65, .7, .75, .8],
                                                        [1.0, .9, .8, .7, .6, .55], [1.1, 1.0, .9, .85, .8, .78]),
                              "ResNet18": history_rows([.6, .8, .9, .95], [.5, .6, .62, .6],
                                                       [.9, .5, .3, .2], [1.0, .8, .9, 1.4])})
    a = analyse(run)
    t, f = Phrases(lang), Formatter(lang)
    table = build_document(a, lang).table("table-qualitative")
    by_label = {row[0]: row for row in table.rows}
    cnn, resnet = (next(m for m in a.models if m.label == label) for label in ("Small CNN", "ResNet18"))
    assert (cnn.architecture.depth, resnet.architecture.depth) == (5, 18)
    for m in a.models:
        d = m.diagnostics
        verdict = {True: t("ui.overfit_yes"), False: t("ui.overfit_no"), None: t("ui.verdict.insufficient")}[d.overfit]
        stable = {True: t("ui.stable"), False: t("ui.unstable"),
                  None: t("ui.verdict.too_short", epochs=m.epochs_run, min=d.min_epochs_for_stability)}[d.stable]
        ci = f.interval(f.percent(m.accuracy_ci.low), f.percent(m.accuracy_ci.high))
        assert by_label[m.label] == [m.label, str(m.architecture.depth), f.integer(m.params), f.seconds(m.train_seconds),
                                     f"{f.pp(d.gap_acc_pp)}: {verdict}", stable, f"{f.percent(m.accuracy)} {ci}"]
    assert cnn.diagnostics.overfit is None and t("ui.verdict.insufficient") in by_label["Small CNN"][4]
    assert resnet.diagnostics.stable is None and by_label["ResNet18"][5] == t("ui.verdict.too_short", epochs=4, min=5)


def test_depth_counts_the_weight_layers_on_the_longest_path():
    """As the papers count: projection shortcuts and parallel paths run beside the main path."""
    expected = {"cnn": 5, "resnet18_cifar": 18, "plain34": 34, "resnet34": 34, "multipath_resnet34": 34,
                "preact_resnet34": 34}
    assert set(expected) == set(ARCHITECTURES)
    assert {arch: weight_depth(build(arch, 5, 32, {})) for arch in ARCHITECTURES} == expected


# --- hypotheses, key insight, limits -------------------------------------------------------------------


HOSTILE_DESCRIPTION = "Hipotesis: <script>alert('x')</script> & filter lebar menangkap pola lebih kaya."


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
def test_hypothesis_from_the_description_is_shown_escaped_with_its_outcome(make_run):
    raw = json.loads(json.dumps(HANDMADE))
    raw["models"][1]["description"] = HOSTILE_DESCRIPTION + "\x1b"
    history = history_rows([.5, .6, .7, .75, .8, .82], [.5, .55, .65, .7, .78, .80],
                           [1.0, .9, .8, .7, .6, .55], [1.1, 1.0, .9, .85, .8, .78])
    run = make_run({"Small CNN": [0, 0, 0, 1, 1, 2, 2, 2, 2], "ResNet18": [0, 1, 1, 1, 1, 1, 2, 2, 0]},
                   {"Small CNN": history, "ResNet18": history}, raw=raw)
    a = analyse(run)
    doc = build_document(a, "id")
    base, variant = doc.find("list-variants").items  # the baseline is what the others are measured against
    assert base[:2] == [Emphasis("Small CNN"), ":"] and "Hipotesis" not in plain(base)
    assert variant[:5] == [Emphasis("ResNet18"), ":", " ", Emphasis("Hipotesis/motivasi:", strong=False),
                           f" {HOSTILE_DESCRIPTION}"]
    sentence = outcome(Context(a, "id"), a.models[1])
    assert sentence.startswith("Hasil: akurasi ResNet18 tidak dapat dibedakan dari Small CNN")  # 2 of 9 images
    assert variant[5] == f" {sentence}"
    page = reportgen.render(run, "html").read_text()
    assert "<script>alert" not in page
    assert "Hipotesis/motivasi:</i> Hipotesis: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; filter" in page
    assert sentence in plain_page(page)
    assert HOSTILE_DESCRIPTION in pdf_text(reportgen.render(run, "pdf"))


def matched(sentence: str, patterns) -> tuple[str, dict]:
    """The phrase that writes the sentence (the most specific one) and its values."""
    found = [(size, key, m) for key, (p, size) in patterns.items() if (m := p.match(sentence))]
    assert found, f"a sentence no phrase writes: {sentence}"
    _, key, match = max(found, key=lambda x: x[0])
    return key, match.groupdict()


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(10, 400), models=st.integers(2, 4), classes=st.integers(2, 4),
       copies=st.lists(st.booleans(), min_size=4, max_size=4), alpha=st.sampled_from([0.01, 0.05, 0.1]),
       lang=st.sampled_from(LANGUAGES))
def test_insight_outcomes_and_limits_claim_only_what_the_tests_support(seed, n, models, classes, copies, alpha, lang):
    a = generated_analysis(seed, n, models, classes, copies, alpha)
    cx, patterns, facts = Context(a, lang), templates(lang), fact_numbers(a, Formatter(lang))
    by = {m.label: m for m in a.models}
    ci_label = Phrases(lang)("narrative.stats.ci")

    def check(sentence: str, model: str | None = None) -> tuple[str, dict]:
        key, values = matched(sentence, patterns)
        for name, value in values.items():
            for label in NAMES:
                value = value.replace(label, "")
            if name not in ("split",):
                assert all(x in facts for x in numbers(value.replace(ci_label, ""))), (sentence, name)
        return key.rpartition(".")[2], values

    said = insight(cx)
    if not said:  # an insight needs two models that learned, and a difference in accuracy or in size
        judged = [m for m in a.models if learned(m)]
        assert len(judged) < 2 or not any(p.significant for p in a.comparison.pairs
                                          if learned(by[p.a]) and learned(by[p.b]))
        key, x = "", {}
    else:
        key, x = check(said)
    # the insight judges only the models that learned: a model at chance or collapsed is no rival
    others = [m for m in a.models if m.label != (x.get("model") or x.get("leader")) and learned(m)]
    if not key:
        pass
    elif key == "none_differ":
        assert not any(p.significant for p in a.comparison.pairs if learned(by[p.a]) and learned(by[p.b]))
    elif key == "best_tradeoff":
        assert all(significant(a, x["model"], o.label) for o in others)
    elif key == "simpler_on_par":
        assert not significant(a, x["leader"], x["model"]) and by[x["model"]].params < by[x["leader"]].params
    else:
        assert key == "leader_cheapest"
        assert all(not significant(a, x["leader"], o.strip()) for o in re.split(r", | dan | and ", x["others"]))
    for m in a.models:
        if m.label != a.comparison.baseline:
            key, x = check(outcome(cx, m))
            base = a.comparison.baseline
            if key == "not_learned":  # a model that did not learn (or a baseline that did not) is not compared
                assert not learned(by[x["model"]]) and x["model"] in (m.label, base)
                continue
            assert {"outcome_better": significant(a, m.label, base), "outcome_worse": significant(a, base, m.label),
                    "outcome_on_par": not significant(a, m.label, base) and not significant(a, base, m.label)}[key]
        for sentence in limits(cx, m):
            key, x = check(sentence)
            if key == "not_learned":
                assert not learned(m) and x["model"] == m.label
            elif key == "less_accurate":
                assert significant(a, x["other"], m.label)
            elif key in ("more_params", "slower"):
                assert not significant(a, m.label, x["other"])
                assert key == "slower" or by[m.label].params > LARGER_FACTOR * by[x["other"]].params
            elif key == "none":  # nothing speaks against it: no model is shown to be better
                assert not any(significant(a, o.label, m.label) for o in a.models)


def test_a_clear_winner_and_what_its_margin_costs_are_the_key_insight():
    from helpers import LABELS, analysis_of, wrong_on

    a = analysis_of(LABELS, {"Small CNN": LABELS, "ResNet18": wrong_on(range(0, 36, 3))})  # params 1000, 2000
    cx = Context(a, "id")
    f = Formatter("id")
    assert insight(cx) == ("Small CNN lebih akurat secara signifikan daripada setiap model lain; dibanding yang "
                           "terdekat, ResNet18 (selisih 33,33 pp, p < 0,001 setelah koreksi Holm), ia memakai 1.000 "
                           f"berbanding 2.000 parameter dan waktu pelatihan {f.seconds(1.5)} berbanding {f.seconds(3)}.")
    assert limits(cx, a.models[1])[0].startswith("Kurang akurat secara signifikan daripada Small CNN")
    assert limits(cx, a.models[0]) == [Phrases("id")("narrative.qualitative.none")]
    # the baseline's test is the variant's outcome: not repeated among its limits
    assert outcome(cx, a.models[1]).startswith("Hasil: ResNet18 kurang akurat daripada Small CNN")
    assert not any(s.startswith("Kurang akurat") for s in limits(cx, a.models[1], stated="Small CNN"))


# --- dataset facts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, name", [
    ({"dataset": "cifar10", "root": "nowhere", "download": True}, "CIFAR-10"),
    ({"dataset": "digits"}, "Digits (scikit-learn)"),
    ({"dataset": "imagefolder", "root": "data/makanan-5/"}, "makanan-5"),
    ({"dataset": "csv", "root": "."}, "Eksplorasi"),  # a root without a name of its own: the title
    ({"dataset": "csv", "root": "data/x", "name": "5 Makanan Indonesia"}, "5 Makanan Indonesia"),
])
def test_dataset_display_name(tmp_path, monkeypatch, data, name):
    monkeypatch.chdir(tmp_path)
    if "root" in data and data["dataset"] != "cifar10":  # the layout validation looks for: train/, train.csv
        (tmp_path / data["root"] / "train").mkdir(parents=True, exist_ok=True)
        (tmp_path / data["root"] / "train.csv").touch()
    exp = validate_experiment({"name": "x", "report": {"title": "Eksplorasi"}, "data": data,
                               "models": [{"arch": "cnn"}]}, "test")
    assert exp.dataset_name == name


@pytest.mark.slow
def test_an_imagefolder_report_names_its_folder_never_the_loader(make_run, tmp_path):
    from PIL import Image

    for c, cls in enumerate(["bakso", "rendang", "soto"]):
        folder = tmp_path / "makanan-3" / "train" / cls
        folder.mkdir(parents=True)
        for i in range(4):
            Image.new("RGB", (8, 8), (80 * c, 20 * i, 0)).save(folder / f"{i}.png")
    raw = json.loads(json.dumps(HANDMADE))
    raw["data"] = {"dataset": "imagefolder", "root": str(tmp_path / "makanan-3"), "image_size": 16, "val_split": 3}
    exp = validate_experiment(raw, "test")
    labels = reportgen.data.load_dataset(exp.data, exp.train.seed).eval.labels.tolist()
    history = history_rows([.5, .6, .7], [.5, .6, .65], [1.0, .8, .6], [1.0, .9, .8])
    run = make_run({"Small CNN": labels, "ResNet18": labels}, {"Small CNN": history, "ResNet18": history}, raw=raw)
    for lang in LANGUAGES:
        page = plain_page(reportgen.render(run, "html", lang=lang).read_text())
        assert "makanan-3" in page and "imagefolder" not in page.lower()


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
def test_class_distribution_sums_to_the_split_sizes(analysed_run):
    a = load_analysis(analysed_run)
    d = a.dataset
    assert {s: sum(c) for s, c in d.class_counts.items()} == {"train": d.train_size, "val": d.val_size,
                                                              "test": d.test_size}
    assert all(len(c) == len(d.classes) for c in d.class_counts.values())
    assert d.distribution_figure == "dataset/distribution"
    f = Formatter("id")
    doc = build_document(a, "id")
    assert doc.figure("figure-class-distribution").path == analysed_run / "figures" / "id" / "dataset" / "distribution.png"
    table = doc.table("table-class-distribution")
    assert [row[0] for row in table.rows] == d.classes + ["Total"]
    assert table.rows[-1] == ["Total", f.integer(d.train_size), f.integer(d.val_size), f.integer(d.test_size),
                              f.integer(d.train_size + d.val_size + d.test_size)]
    for row in table.rows:
        assert int(row[-1].replace(".", "")) == sum(int(x.replace(".", "")) for x in row[1:-1])
    # A run from before dataset.json counted them: counted again from the data it was loaded from.
    dataset = json.loads((analysed_run / "dataset.json").read_text())
    del dataset["class_counts"]
    (analysed_run / "dataset.json").write_text(json.dumps(dataset))
    assert analyse(analysed_run).dataset.class_counts == d.class_counts
    pdf = pdf_text(reportgen.render(analysed_run, "pdf"))
    assert Phrases("id")("ui.data.distribution") in pdf and Phrases("id")("ui.data.distribution_figure") in pdf


# --- links, tools used, references ---------------------------------------------------------------------


LINKS = [{"label": "Kode <repo>", "url": "https://github.com/example/eksplor-resnet34"},
         {"label": "Colab", "url": "https://colab.research.google.com/drive/1abc?usp=sharing&x=1"}]
TOOLS = "Kami memakai ChatGPT untuk <b>merapikan</b> kode.\n\nGemini membantu menulis laporan."


@pytest.mark.slow  # renders a whole PDF of its own with WeasyPrint
@pytest.mark.parametrize("lang", LANGUAGES)
def test_links_tools_and_references_in_report_and_deck(make_run, lang):
    raw = json.loads(json.dumps(HANDMADE))
    raw["report"].update(links=LINKS, tools_statement=TOOLS)
    history = history_rows([.5, .6, .7], [.5, .6, .65], [1.0, .8, .6], [1.0, .9, .8])
    run = make_run({"Small CNN": [0, 0, 0, 1, 1, 2, 2, 2, 2], "ResNet18": [0, 1, 1, 1, 1, 1, 2, 2, 0]},
                   {"Small CNN": history, "ResNet18": history}, raw=raw)
    t = Phrases(lang)
    page = reportgen.render(run, "html", lang=lang).read_text()
    assert '<a href="https://colab.research.google.com/drive/1abc?usp=sharing&amp;x=1">' in page
    assert "Kode &lt;repo&gt;:" in page and "&lt;b&gt;merapikan&lt;/b&gt;" in page
    assert t("ui.closing.tools") in page and t("ui.closing.links") in page
    pdf = reportgen.render(run, "pdf", lang=lang)
    text = pdf_text(pdf)
    assert "Gemini membantu menulis laporan." in text and "Kode <repo>:" in text
    uris = {a.get_object()["/A"]["/URI"] for page in pypdf.PdfReader(pdf).pages
            for a in page.get("/Annots", []) if "/URI" in a.get_object().get("/A", {})}
    assert {link["url"] for link in LINKS} <= uris  # clickable, and never fetched: WeasyPrint fetches only resources
    texts = deck_texts(reportgen.render(run, "pptx", lang=lang))
    assert t("ui.closing.tools") in texts and t("deck.qualitative.references") in texts
    assert "Kami memakai ChatGPT untuk <b>merapikan</b> kode." in texts
    assert any(s.startswith("[1] K. He, X. Zhang, S. Ren, and J. Sun, “Deep residual learning") for s in texts)
    assert f"Colab: {LINKS[1]['url']}" in texts


def test_references_slide_without_links_or_tools(analysed_run):
    texts = deck_texts(reportgen.render(analysed_run, "pptx"))
    start = texts.index(Phrases("id")("deck.qualitative.references"))
    assert any("Deep residual learning for image recognition" in s for s in texts[start:])
    assert Phrases("id")("ui.closing.tools") not in texts


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "github.com/x", "https://a b"])
def test_a_link_must_be_a_web_address(url):
    raw = json.loads(json.dumps(HANDMADE))
    raw["report"]["links"] = [{"label": "Kode", "url": url}]
    with pytest.raises(UserError, match=r"`report\.links\.0\.url`: String should match pattern"):
        validate_experiment(raw, "exp.toml")


def test_old_analysis_without_the_new_facts_still_renders(analysed_run):
    """An analysis.json from before the depth and the class counts: "–" and no distribution."""
    path = analysed_run / "analysis.json"
    old = json.loads(path.read_text())
    for m in old["models"]:
        m["architecture"].pop("depth")
    for key in ("class_counts", "distribution_figure"):
        old["dataset"].pop(key)
    path.write_text(json.dumps(old))
    doc = build_document(load_analysis(analysed_run), "en")
    assert [row[1] for row in doc.table("table-qualitative").rows] == ["–", "–"]
    assert doc.table("table-class-distribution") is None and doc.figure("figure-class-distribution") is None
    assert doc.find("appendix-class_distribution") is None and doc.find("see-class_distribution") is None


@pytest.mark.parametrize("params,named", [(1001, False), (1100, True)])
def test_more_parameters_is_a_limit_only_past_a_few_percent(params, named):
    """21.287.237 against 21.285.573 parameters (0,01%) is no cost to name; 10% is."""
    from helpers import LABELS, analysis_of

    a = analysis_of(LABELS, {"A": LABELS, "B": LABELS})
    a.models[0].params, a.models[1].params = 1000, params
    judge(a)
    said = limits(Context(a, "en"), a.models[1])
    assert any("more parameters than A" in s for s in said) == named


@pytest.mark.parametrize("worse", ["B", "A"])
def test_an_outcome_on_par_says_which_way_its_difference_runs(worse):
    """Not significant: the sentence gives the difference model − baseline with its sign and the
    interval of that same difference, whichever model the pair test stored first."""
    from helpers import LABELS, analysis_of, wrong_on

    slightly = wrong_on([0, 3])  # two mistakes in 36 images: no test tells that apart
    a = analysis_of(LABELS, {"A": slightly if worse == "A" else LABELS, "B": slightly if worse == "B" else LABELS})
    sentence = outcome(Context(a, "en"), a.models[1])
    assert "B − A:" in sentence
    diff, low, high = (float(x) for x in re.findall(r"[+-]?\d+\.\d+", sentence.replace("−", "-"))[:3])
    assert (diff < 0) == (worse == "B") and low <= diff <= high
