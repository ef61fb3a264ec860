"""reportgen: train a deep-learning experiment and write its report and slide deck.

    import reportgen
    run_dir = reportgen.run("demo.toml", ["train.epochs=2"])  # `reportgen init` writes demo.toml
    reportgen.render(run_dir, "pdf")
    reportgen.export(run_dir, "tensorboard", "tb")
"""

from reportgen.api import export, render, run
from reportgen.version import __version__

__all__ = ["run", "render", "export", "__version__"]
