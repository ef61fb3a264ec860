"""Analysis: a run directory -> the `Analysis` tree (analysis.json) of language-free facts, and
the figure data pictures are drawn from (figure-data/). Renderers read the tree and draw the
figures in their language (reportgen.figures); they never recompute.

    analyse(run_dir)       computes everything and writes RUN/analysis.json + figure-data/ (pipeline.py)
    load_analysis(run_dir) reads analysis.json; analyses first, saying why, when it is missing,
                           damaged or of another schema version (stored.py)
"""

from importlib import import_module

# Each name is imported from its module when first asked for, so that `reportgen render` of an analysed
# run, which needs only load_analysis, does not import the whole analysis with torch behind it.
_MODULE_OF = {"analyse": "pipeline", "load_analysis": "stored"}


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'reportgen.analysis' has no attribute '{name}'")
    return getattr(import_module(f"reportgen.analysis.{_MODULE_OF[name]}"), name)
