import subprocess
import sys


def test_core_loads_no_file_terminal_or_dataframe_library():
    code = ("import sys, clfdiag.core; "
            "bad = [m for m in ('pandas', 'pyarrow', 'typer', 'rich', 'matplotlib', 'scipy', "
            "'sklearn') if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_does_not_load_numeric_libraries():
    code = ("import sys; import clfdiag.cli.app; "
            "print(','.join(m for m in ('numpy', 'pyarrow', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


COMMANDS = ("evaluate", "compare", "epochs", "history", "threshold", "calibrate", "ood",
            "label_issues")


def _loaded_after(imports, prefixes):
    code = (f"import sys; {imports}; "
            f"print(','.join(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_report_builders_load_no_renderer():
    imports = "; ".join(f"import clfdiag.reports.{c}" for c in COMMANDS)
    assert _loaded_after(imports, ("clfdiag.render", "clfdiag.cli", "rich", "typer",
                                   "matplotlib")) == ""


def test_views_load_no_reader():
    imports = "; ".join(f"import clfdiag.render.views.{c}" for c in COMMANDS)
    assert _loaded_after(imports, ("clfdiag.io", "clfdiag.api", "clfdiag.reports", "pyarrow",
                                   "pandas")) == ""
