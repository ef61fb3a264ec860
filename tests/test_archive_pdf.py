"""The archival PDF (PDF/A-3 with the run's files attached), opened with pikepdf as an archive's
checker would: its identification (PDF/A-3 and, where the file shows what it asks, PDF/UA-1), its
attachments byte for byte, and a document rebuilt from the attachments alone."""

import base64
import dataclasses
import hashlib
import io
import json
import re

import pikepdf
import pypdf
import pytest
import weasyprint
from typer.testing import CliRunner

from reportgen import render
from reportgen.analysis import load_analysis
from reportgen.cli import app
from reportgen.errors import UserError
from reportgen.renderers.pdfua import claim_pdfua, figures, gaps
from reportgen.report import build_document
from reportgen.report.document import Figure
from reportgen.rundir import RunDir
from reportgen.schema.analysis import Analysis

MODELS = ("small-cnn", "resnet18")
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="  # 1x1 grey


def run_files(run) -> dict[str, bytes]:
    names = ["experiment.toml", "environment.json", "analysis.json", *(f"{m}/predictions.csv" for m in MODELS)]
    names += [path.relative_to(run).as_posix() for path in sorted((run / "figure-data").rglob("*.npz"))]
    assert len(names) > 5  # the figure data: the samples, and each model's feature maps and Grad-CAM maps
    return {name: (run / name).read_bytes() for name in names}


def document_tree(doc) -> str:
    """Every string of the document, with the run folder's path taken out (the figures are files of it)."""
    tree = dataclasses.asdict(doc)
    tree.pop("_index")
    tree.pop("drawings")  # what paints the figures, not what the document says
    return json.dumps(tree, default=str, sort_keys=True).replace(str(doc.run), "RUN")


@pytest.mark.slow  # renders a tagged PDF with WeasyPrint (about 20 s here)
def test_pdfa_carries_the_run_and_rebuilds_its_document(handmade_run, tmp_path):
    out = render(handmade_run, "pdf", pdf_variant="pdf/a-3b", out=tmp_path / "archive.pdf")
    original = build_document(load_analysis(handmade_run), "id")
    with pikepdf.open(out) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("3", "B")
        # PDF/UA-1 claimed, with what it asks for: tags, language, title shown, every figure described
        assert meta["pdfuaid:part"] == "1" and b"<pdfaSchema:prefix>pdfuaid<" in pdf.Root.Metadata.read_bytes()
        assert pdf.Root.MarkInfo.Marked is True and "/StructTreeRoot" in pdf.Root and str(pdf.Root.Lang) == "id"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True and meta["dc:title"] == original.front.title
        drawn = [node.alt for node in original.nodes() if isinstance(node, Figure) and node.path]
        assert sorted(str(f.Alt) for f in figures(pdf.Root)) == sorted(drawn) and not gaps(pdf)
        attached = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
        relationships = {str(spec.obj.AFRelationship) for spec in pdf.attachments.values()}
    files = run_files(handmade_run)
    assert {name: hashlib.sha256(data).hexdigest() for name, data in attached.items()} == \
        {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    assert relationships == {"/Source"}

    # The attachments alone, in a folder of their own, hold every word and number of the document.
    archive = tmp_path / "from-attachments"
    for name, data in attached.items():
        (archive / name).parent.mkdir(parents=True, exist_ok=True)
        (archive / name).write_bytes(data)
    rebuilt = Analysis.model_validate_json((archive / "analysis.json").read_bytes())
    rebuilt.run_dir = str(archive)
    assert document_tree(build_document(rebuilt, "id")) == document_tree(original)
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pypdf.PdfReader(out).pages))
    assert original.front.title in text and all(s.title in text for s in original.body)


def test_pdfua_is_not_claimed_for_a_pdf_lacking_what_it_asks(tmp_path):
    picture = tmp_path / "p.png"
    picture.write_bytes(base64.b64decode(PNG))
    untagged = weasyprint.HTML(string='<html lang="id"><title>T</title><p>x</p></html>').write_pdf()
    no_alt = weasyprint.HTML(string=f'<html lang="id"><title>T</title><img src="{picture.as_uri()}"></html>').write_pdf(
        pdf_variant="pdf/a-3b", pdf_tags=True)
    described = weasyprint.HTML(string=f'<html lang="id"><title>T</title><img src="{picture.as_uri()}" alt="a dot">'
                                       '</html>').write_pdf(pdf_variant="pdf/a-3b", pdf_tags=True)
    with pikepdf.open(io.BytesIO(untagged)) as pdf:
        assert "a structure tree (tags)" in gaps(pdf) and "/MarkInfo Marked true" in gaps(pdf)
    with pikepdf.open(io.BytesIO(no_alt)) as pdf:
        assert gaps(pdf) == ["a text alternative (/Alt) on every figure"]
    assert claim_pdfua(untagged) == untagged and claim_pdfua(no_alt) == no_alt
    with pikepdf.open(io.BytesIO(claim_pdfua(described))) as pdf:
        assert pdf.open_metadata()["pdfuaid:part"] == "1" and pdf.open_metadata()["pdfaid:part"] == "3"


def test_pdf_variant_is_checked_before_anything_is_rendered(handmade_run):
    with pytest.raises(UserError, match="--pdf-variant must be one of pdf/a-3b, pdf/a-3u with --format pdf"):
        render(handmade_run, "html", pdf_variant="pdf/a-3b")
    with pytest.raises(UserError, match="got 'pdf/a-1b'"):
        render(handmade_run, "pdf", pdf_variant="pdf/a-1b")
    result = CliRunner().invoke(app, ["render", str(handmade_run), "--format", "pptx", "--pdf-variant", "pdf/a-3b"])
    assert result.exit_code == 2 and result.output.startswith("error: --pdf-variant must be one of")
    assert not any((handmade_run / name).exists() for name in ("report.pdf", "report.html", "slides.pptx"))


@pytest.mark.slow
def test_an_attachment_leading_out_of_the_run_is_refused(handmade_run, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("not the run's\n")
    predictions = RunDir(handmade_run).model("resnet18").predictions
    render(handmade_run, "html")  # analysed while the run is whole
    predictions.unlink()
    predictions.symlink_to(secret)
    with pytest.raises(UserError, match="is a link to a file outside the run directory"):
        render(handmade_run, "pdf", pdf_variant="pdf/a-3b")
