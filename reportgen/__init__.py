"""reportgen: train a deep-learning experiment and write its report and slide deck.

    import reportgen
    run_dir = reportgen.run("experiments/demo.toml", ["train.epochs=2"])
    reportgen.render(run_dir, "pdf")
"""

from reportgen.api import render, run
from reportgen.version import __version__

__all__ = ["run", "render", "__version__"]
