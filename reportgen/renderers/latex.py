"""The report as a LaTeX project a student can finish: a zip that unpacks to one folder holding
main.tex, one file per part of the report under sections/ (so one can be replaced), the figures
under figures/ (a plot as a PDF, whose lines and words stay sharp and searchable; a picture as a
PNG), references.bib (the papers the text \\cites) and the preamble. It is laid out
from the same document tree as the other formats and prints only its strings, each through
latex_text.tex, so user text never becomes TeX code. It compiles with `latexmk -pdf` (pdflatex,
BibTeX) using only texlive-latex-recommended and babel's Indonesian from texlive-lang-other.

LaTeX numbers tables, figures and sections itself; it counts them in the order the document does
(every table and figure is captioned where it stands, never floated), so "Tabel 5" of a reference is
the fifth table in either. Every table, figure and section has a \\label; a Ref is a \\ref to it."""

from __future__ import annotations

import io
import zipfile

from reportgen.figures.cache import figure_bytes
from reportgen.imagefile import read_run_picture
from reportgen.renderers.latex_text import tex, tex_heading, tex_key, tex_label, tex_url
from reportgen.report.document import (Beside, Block, Cite, CodeListing, Document, Emphasis, Figure, FigureRow,
                                       Group, ItemList, Link, Prose, Ref, Section, StatCards, Table, Text, plain)
from reportgen.resources import TEMPLATES_DIR

BABEL = {"id": "indonesian", "en": "english"}
HEADINGS = ("section", "subsection", "subsubsection", "paragraph")
TEXT_WIDTH_PT = 455.0  # A4 less the preamble's 2.5 cm margins
TABCOLSEP_PT = 6.0
# Table font sizes to try, largest first, with the width of an average character in points (a
# little generous: header words are bold).
TABLE_SIZES = ((r"\small", 5.6), (r"\footnotesize", 5.0), (r"\scriptsize", 4.5), (r"\tiny", 3.4))
CODE_COLUMNS = 88  # characters of a code line at \footnotesize (9 pt here) monospace, 4.725 pt each, beside its number
EMPTY_LINE = r"\mbox{}"  # a blank line of code keeps its height
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the same document zips to the same bytes


class LatexProject:
    """Lays out one document; `files` collects what the zip holds besides the sections."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.files: dict[str, bytes] = {}
        self.appendix_ids = {part.id for part in doc.appendix}

    # --- inline text ---------------------------------------------------------------------------

    def inline(self, parts: Text) -> str:
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(tex(part))
            elif isinstance(part, Ref):
                out.append(self.ref(part))
            elif isinstance(part, Cite):  # BibTeX numbers it as the document does (unsrt: in order of citation)
                if out and out[-1].endswith(" "):  # "[1]" never starts a line
                    out[-1] = out[-1].rstrip(" ") + "~"
                out.append(rf"\cite{{{part.key}}}")
            elif isinstance(part, Link):
                out.append(rf"\href{{{tex_url(part.url)}}}{{{tex(part.text)}}}")
            elif isinstance(part, Emphasis):
                out.append(rf"\textbf{{{tex(part.text)}}}" if part.strong else rf"\emph{{{tex(part.text)}}}")
        return "".join(out)

    def ref(self, ref: Ref) -> str:
        """The reference's words with its number a \\ref, so LaTeX keeps it right if the student
        moves parts around; a section without a number is linked by its words."""
        target = self.doc.find(ref.target)
        words = self.doc.words
        if isinstance(target, Table):
            return rf"{tex(words.table)}~\ref{{{tex_label('tab', target.id)}}}"
        if isinstance(target, Figure) and target.path:
            return rf"{tex(words.figure)}~\ref{{{tex_label('fig', target.id)}}}"
        if isinstance(target, Figure):  # not drawn: no number, its caption
            return tex(ref.text)
        label = tex_label("sec", ref.target)
        if ref.target in self.appendix_ids:
            return rf"{tex(words.appendix)}~\ref{{{label}}}"
        if isinstance(target, Section) and target.number:
            return rf"\ref{{{label}}}"
        return rf"\hyperref[{label}]{{{tex(ref.text or plain(getattr(target, 'title', '')))}}}"

    # --- blocks --------------------------------------------------------------------------------

    def block(self, block: Block) -> list[str]:
        if isinstance(block, Prose):
            return [self.paragraph(p, block.role) for p in block.paragraphs]
        if isinstance(block, ItemList):
            return self.references(block) if block.role == "references" else self.item_list(block)
        if isinstance(block, Table):
            return self.table(block)
        if isinstance(block, Figure):
            return self.figures([block], 0.8 if block.kind == "plot" else 0.7)
        if isinstance(block, FigureRow):
            return self.figures(block.figures, 0.96 / len(block.figures))
        if isinstance(block, Beside):
            return self.figures([block.figure], 0.6) + self.table(block.table)
        if isinstance(block, CodeListing):
            return self.code(block)
        if isinstance(block, StatCards):
            return [rf"\par\noindent\textbf{{{tex(block.heading)}}}", r"\begin{itemize}",
                    *(rf"\item \textbf{{{tex(s.value)}}} {tex(s.label)}" + (f" ({tex(s.interval)})" if s.interval else "")
                      for s in block.stats), r"\end{itemize}"]
        if isinstance(block, Group):
            return [line for inner in block.blocks for line in self.block(inner)]
        raise TypeError(f"no LaTeX layout for {type(block).__name__}")

    def paragraph(self, parts: Text, role: str) -> str:
        body = self.inline(parts)
        if role == "note":
            body = rf"\emph{{{body}}}"
        elif role in ("small", "legend"):
            body = rf"{{\small {body}\par}}"
        return body + "\n"

    def item_list(self, block: ItemList) -> list[str]:
        if not block.items:
            return []
        env = "enumerate" if block.numbered else "itemize"
        return [rf"\begin{{{env}}}", *(rf"\item {self.inline(item)}" for item in block.items), rf"\end{{{env}}}"]

    def references(self, block: ItemList) -> list[str]:
        """The papers as references.bib (each entry its formatted text, under its bibliography key)
        and BibTeX's list of them: the papers the text \\cites, numbered in the order it cites them."""
        self.files["references.bib"] = "".join(
            f"@misc{{{key},\n  note = {{{self.inline(item)}}}\n}}\n\n" for key, item in zip(block.keys, block.items)
        ).encode("utf-8")
        return [r"\bibliographystyle{unsrt}", r"\bibliography{references}"]

    def figures(self, figures: list[Figure], width: float) -> list[str]:
        """Figures side by side (one alone is a row of one), each captioned where it stands; one that
        could not be drawn is the sentence saying why, unnumbered, where it would be."""
        boxes = []
        for fig in figures:
            if fig.path is None:
                boxes.append(rf"\begin{{minipage}}[t]{{{width:.3f}\linewidth}}\emph{{{tex(fig.absent)}}}\end{{minipage}}")
                continue
            drawn = fig.vector or fig.path  # a plot's PDF when the document was built with it
            name = f"{tex_key(fig.id)}{drawn.suffix}"
            self.files[f"figures/{name}"] = figure_bytes(drawn, self.doc.run)
            boxes.append("\n".join([
                rf"\begin{{minipage}}[t]{{{width:.3f}\linewidth}}\centering",
                rf"\includegraphics[width=\linewidth,height=0.4\textheight,keepaspectratio]{{{name}}}",
                rf"\captionof{{figure}}[{tex(fig.caption)}]{{{tex(fig.caption)}}}\label{{{tex_label('fig', fig.id)}}}",
                r"\end{minipage}"]))
        return [r"\begin{center}", "\\hfill\n".join(boxes), r"\end{center}"]

    def table(self, table: Table) -> list[str]:
        """A booktabs longtable (it breaks across pages, its header repeated) whose columns share
        the line by what they hold, at the largest size where every column's longest word fits."""
        size, shares = column_shares(table)
        spec = "".join(
            rf">{{\{'raggedleft' if c.numeric else 'raggedright'}\arraybackslash}}"
            rf"p{{\dimexpr {share:.4f}\linewidth-2\tabcolsep\relax}}" for c, share in zip(table.columns, shares))
        header = " & ".join(rf"\textbf{{{tex(c.header)}}}" for c in table.columns) + r" \\"
        caption = self.inline(table.caption)
        lines = [rf"{{{size}", rf"\begin{{longtable}}{{{spec}}}",
                 rf"\caption[{tex(table.title)}]{{{caption}}}\label{{{tex_label('tab', table.id)}}}\\",
                 r"\toprule", header, r"\midrule", r"\endfirsthead",
                 rf"\caption[]{{{caption} {tex(self.doc.words.continued)}}}\\",
                 r"\toprule", header, r"\midrule", r"\endhead", r"\bottomrule", r"\endlastfoot"]
        first_total = len(table.rows) - table.emphasis_rows
        for n, row in enumerate(table.rows):
            if n == first_total and n:
                lines.append(r"\midrule")
            cells = [tex(cell) for cell in row]
            lines.append(" & ".join(rf"\textbf{{{c}}}" if n >= first_total else c for c in cells) + r" \\")
        return [*lines, r"\end{longtable}", "}"]

    def code(self, listing: CodeListing) -> list[str]:
        """The sentence on what an earlier listing already prints, then the printed part line by line,
        each numbered, a long one wrapped onto unnumbered lines."""
        lines = [rf"\par\noindent {tex(listing.repeat)}\par"] if listing.repeat else []
        if not listing.printed:
            return lines
        lines += [rf"\par\noindent\textbf{{{tex(listing.caption)}}}\par", r"{\footnotesize\ttfamily"]
        for number, line in enumerate(listing.printed.rstrip("\n").split("\n"), 1):  # numbered as the HTML page's
            chunks = [line[i:i + CODE_COLUMNS] for i in range(0, len(line), CODE_COLUMNS)] or [""]
            for k, chunk in enumerate(chunks):
                text = "~".join(tex(word) for word in chunk.split(" ")) or EMPTY_LINE
                lines.append(rf"\codeline{{{number if k == 0 else ''}}}{{{text}}}")
        return [*lines, r"\par}"]

    # --- sections ------------------------------------------------------------------------------

    def section(self, section: Section, depth: int, appendix: bool = False) -> list[str]:
        label = rf"\label{{{tex_label('sec', section.id)}}}"
        heading = tex_heading(section.heading if appendix and depth == 0 else section.title)
        command = HEADINGS[min(depth, len(HEADINGS) - 1)]
        first = section.blocks[0] if section.blocks else None
        if isinstance(first, ItemList) and first.role == "references":
            # BibTeX's list prints the heading: it is given the section's title.
            lines = [rf"\renewcommand{{\refname}}{{{heading}}}", r"\phantomsection",
                     rf"\addcontentsline{{toc}}{{section}}{{{heading}}}", label]
        elif appendix and depth == 0:  # "Lampiran A": lettered by LaTeX's appendix counter
            lines = [r"\clearpage", r"\refstepcounter{section}", rf"\section*{{{heading}}}",
                     rf"\addcontentsline{{toc}}{{section}}{{{heading}}}", label]
        elif section.number:
            lines = [rf"\{command}{{{heading}}}", label]
        else:
            lines = [r"\phantomsection", rf"\{command}*{{{heading}}}", label]
            if depth == 0:
                lines.insert(2, rf"\addcontentsline{{toc}}{{section}}{{{heading}}}")
        for block in section.blocks:
            lines += self.block(block)
        for sub in section.subsections:
            lines += self.section(sub, depth + 1, appendix)
        return lines

    def front(self) -> list[str]:
        front = self.doc.front
        rows = [(front.labels["course"], tex(front.course)) if front.course else None,
                (front.labels["assignment"], tex(front.assignment)) if front.assignment else None,
                (front.labels["authors"], r"\newline ".join(
                    f"{n}. \\textbf{{{tex(a.name)}}}" + (f" ({tex(a.id)})" if a.id else "")
                    for n, a in enumerate(front.authors, 1))) if front.authors else None,
                (front.labels["date"], tex(front.date))]
        lines = [r"\begin{flushleft}"]
        if front.logo:
            self.files["figures/logo.png"] = read_run_picture(front.logo, self.doc.run)
            lines.append(r"\includegraphics[height=1.8cm,keepaspectratio]{logo.png}\par\medskip")
        lines += [r"\begin{tabular}{@{}>{\raggedright\arraybackslash}p{0.25\linewidth}"
                  r">{\raggedright\arraybackslash}p{0.71\linewidth}@{}}",
                  *(rf"{tex(name)} & \textbf{{{value}}} \\" for name, value in filter(None, rows)),
                  r"\end{tabular}", r"\end{flushleft}", r"\begin{center}",
                  rf"{{\LARGE\bfseries {tex(front.title)}\par}}"]
        if front.subtitle:
            lines.append(rf"\medskip{{\large {tex(front.subtitle)}\par}}")
        return [*lines, r"\end{center}"]

    def main(self, inputs: list[str], appendix_inputs: list[str]) -> str:
        words, language = self.doc.words, BABEL[self.doc.lang]
        preamble = (TEMPLATES_DIR / "latex" / "preamble.tex").read_text(encoding="utf-8")
        return "\n".join([
            r"\documentclass[11pt,a4paper]{article}", rf"\usepackage[{language}]{{babel}}", preamble,
            rf"\addto\captions{language}{{\renewcommand{{\tablename}}{{{tex(words.table)}}}"
            rf"\renewcommand{{\figurename}}{{{tex(words.figure)}}}\renewcommand{{\contentsname}}{{{tex(words.contents)}}}}}",
            r"\begin{document}", r"\input{sections/front}", r"\tableofcontents",
            *(rf"\input{{sections/{name}}}" for name in inputs), r"\appendix",
            *(rf"\input{{sections/{name}}}" for name in appendix_inputs), r"\end{document}", ""])

    def project(self) -> dict[str, str | bytes]:
        sections = {"front": self.front()}
        body = [(f"{n:02d}-{tex_key(s.id)}", self.section(s, 0)) for n, s in enumerate(self.doc.body, 1)]
        parts = [(f"{s.number}-{tex_key(s.id)}", self.section(s, 0, appendix=True)) for s in self.doc.appendix]
        sections.update(body + parts)
        files: dict[str, str | bytes] = {"main.tex": self.main([n for n, _ in body], [n for n, _ in parts])}
        files.update({f"sections/{name}.tex": "\n".join(lines) + "\n" for name, lines in sections.items()})
        files.update(self.files)
        return files


def column_shares(table: Table) -> tuple[str, list[float]]:
    """The font size of a table and each column's share of the line: first the room for its
    longest word (a word wider than its column would run over the next), then the rest by how
    much text the column holds (up to about a line's third, so one long column does not starve the
    others)."""
    columns = [[c.header, *(row[i] for row in table.rows)] for i, c in enumerate(table.columns)]
    # An indent (em spaces: a layer's depth) stays with the word after it; two spare characters per
    # word cover the estimate's error in wide letters.
    longest_word = [max((len(word) + 2 for cell in col for word in cell.replace("\u2003", "MM").split()), default=1)
                    for col in columns]
    longest_cell = [max(len(cell) for cell in col) for col in columns]
    room = TEXT_WIDTH_PT - 2 * TABCOLSEP_PT * len(columns)
    for size, char in TABLE_SIZES:
        needed = [word * char for word in longest_word]
        if sum(needed) <= room:
            break
    wanted = [max(min(cell, 40) * char - need, 0.0) for cell, need in zip(longest_cell, needed)]
    spare = max(room - sum(needed), 0.0)
    extra = [spare * w / sum(wanted) for w in wanted] if sum(wanted) else [spare / len(columns)] * len(columns)
    scale = min(1.0, room / sum(needed))  # the smallest size still too wide: every column shrinks alike
    return size, [(need * scale + more + 2 * TABCOLSEP_PT) / TEXT_WIDTH_PT for need, more in zip(needed, extra)]


def render_latex(doc: Document, folder: str) -> bytes:
    """The project as a zip whose entries are under `folder`/ (main.tex at its top)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(LatexProject(doc).project().items()):
            archive.writestr(zipfile.ZipInfo(f"{folder}/{name}", ZIP_TIME),
                             data.encode("utf-8") if isinstance(data, str) else data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
