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
