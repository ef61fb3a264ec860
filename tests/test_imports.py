"""The layers, read from the source with `ast`: no import cycle among reportgen's modules; the report
chooses words for the analysis's facts and imports no analysis module but the schema; renderers and
the report template look up no phrase and format no number (every word and number they print is the
document's); rendering an analysed run imports none of the training stack."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reportgen"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(name: str) -> set[str]:
    """The reportgen modules `name` imports anywhere in its file (also inside functions and under
    TYPE_CHECKING: a cycle there is one a reader must untangle too). `from package import x` is an
    import of the submodule x when there is one, else of the package."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package `level - 1` steps up
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names}
    return {m for m in found if m in MODULES and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The modules on each import cycle of `graph` (module -> modules it imports): its strongly
    connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_no_import_cycle_among_reportgen_modules():
    assert cycles({name: imports(name) for name in MODULES}) == []


def test_the_check_sees_a_cycle():
    """The measure itself: a module importing one that imports it back, through a third, is a cycle."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({**graph, "c": {"d"}}) == []


def test_no_module_imports_the_package_for_its_path():
    """`import reportgen` inside the package (for reportgen.__file__) loops through reportgen/__init__;
    reportgen.resources holds the package's folder."""
    assert [name for name in MODULES if "reportgen" in imports(name)] == []


def test_the_report_imports_no_analysis_module_but_the_schema():
    report = [name for name in MODULES if name.startswith("reportgen.report")]
    assert report
    for name in report:
        assert not {m for m in imports(name) if m.startswith("reportgen.analysis")}, name


RENDERER_FILES = [*(PACKAGE / "renderers").glob("*.py"), *(ROOT / "templates" / "report").glob("*")]
# A phrase lookup (Phrases, a `t(` call, a phrase table) or number formatting (Formatter, a locale).
LOOKUPS = re.compile(r"\bPhrases\b|\bt\(|\bFormatter\b|reportgen\.language\.(phrases|format)\b|\bformat_(number|percent)")


def test_renderers_look_up_no_phrase_and_format_no_number():
    found = [f"{path.relative_to(ROOT)}:{i}: {line.strip()}" for path in RENDERER_FILES
             for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if LOOKUPS.search(line)]
    assert found == []


def test_the_lookup_pattern_finds_a_lookup():
    assert LOOKUPS.search('{{ t("ui.table") }}') and LOOKUPS.search("from reportgen.language.phrases import Phrases")
    assert LOOKUPS.search("Formatter(doc.lang).listing(names)") and not LOOKUPS.search("text_width(text, size)")


@pytest.mark.slow  # spawns a Python that imports matplotlib
def test_rendering_an_analysed_run_imports_none_of_the_training_stack(analysed_run):
    """A run with a current analysis.json and its figures drawn renders without torch, torchvision,
    scipy, scikit-learn or OpenCV: seconds of imports before the first page could be written."""
    code = ("import sys; from reportgen import api; [api.render(sys.argv[1], f) for f in ('html', 'pptx')]; "
            "print(sorted({'torch', 'torchvision', 'scipy', 'sklearn', 'cv2'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code, str(analysed_run)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
