"""The figures, drawn when a document is rendered, in its language, from the run directory alone.

    files.py    the ids analysis.json names figures by, the figure data (figure-data/) and its arrays
    cache.py    Drawings: a document's figures, drawn on first use into figures/<lang>/ and reused
    catalog.py  how each id is drawn (or why it cannot be) from the analysis and the figure data
    plots.py    curves, confusion matrices, per-class bars, reliability, schedule, search, distribution
    pixels.py   the sample grid and the feature maps;  cams.py  the Grad-CAM figures (Pillow)
    style.py    what every matplotlib figure shares

The analysis (reportgen.analysis) computes facts and figure data only and imports files.py alone:
no matplotlib.
"""
