# `python -m reportgen` (and `torchrun -m reportgen`) runs the same CLI as the console script.
from reportgen.cli import app

app()
