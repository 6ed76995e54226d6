"""The command line: the Typer app, its shared options and one module a command.

The commands parse options, call the API (:mod:`clfdiag.api`) and deliver its report;
they compute nothing and parse no file themselves.
"""
