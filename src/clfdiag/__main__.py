"""Run the command line as ``python -m clfdiag``."""

from clfdiag.cli import main

main()
