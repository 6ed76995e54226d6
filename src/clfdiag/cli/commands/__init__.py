"""The commands of the command line, one module each, registered in the order listed here.

How to add a command (``clfdiag NAME``; ``name`` is its Python name):

1. the computation in ``core/`` (one or a few functions on arrays, returning frozen
   results), with their oracle tests in ``tests/core/``;
2. ``reports/NAME.py``: the one builder of the report, a function from those results
   (and the ``Predictions``) to the documented dict;
3. ``render/views/NAME.py``: the command's document (terminal, Markdown, HTML), its
   CSV rows and its figures, as ``VIEW = CommandView(...)``; ``render/views`` finds it
   by the report's ``"command"``;
4. ``cli/commands/NAME.py``: a function ``NAME`` that declares the options (the shared
   ones from ``cli/options.py``), reads the input, calls the API and hands the report to
   ``cli/delivery.finish`` (or ``emit``), and ``NAME`` added to :data:`COMMANDS` below:
   ``cli/app.py`` registers every module listed;
5. ``api.py``: one function ``NAME`` with the CLI's names and defaults, checking the
   limits through ``limits.py``, and ``NAME`` added to ``COMMANDS`` in
   ``clfdiag/__init__.py`` (which exports it);
6. one page in ``docs/`` whose examples run in the tests.

Nothing else should change; the tests ``test_import_graph`` and ``test_json_snapshot``
hold the shape (no import circle or upward import, one builder per report, every command
in the API) and the JSON contract of the existing commands.
"""

COMMANDS = ("evaluate", "compare", "epochs", "history", "threshold", "calibrate", "ood",
            "conformal", "rank", "label_issues")
"""The commands in the order ``clfdiag --help`` lists them."""
