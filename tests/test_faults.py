"""Faults at the edges of a run: broken pipes, closed or full stdout, Ctrl-C, internal errors.

Each runs the real program in a subprocess: these faults live in file descriptors and
signals, which an in-process runner does not have.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import DATA, SAMPLES

BINARY = os.path.join(SAMPLES, "binary.csv")
EPOCHS = [os.path.join(SAMPLES, "epochs", f"epoch_{i:02d}.csv") for i in (1, 2)]
KERAS = os.path.join(DATA, "histories", "keras.csv")


def clfdiag(*args, **kwargs):
    return [sys.executable, "-m", "clfdiag", *map(str, args)]


def with_closed_reader(args, env=None):
    """Run with stdout a pipe whose reader has already gone: every write is EPIPE."""
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run(clfdiag(*args), stdout=write, stderr=subprocess.PIPE,
                                text=True, timeout=120, env=env)
    finally:
        os.close(write)
    return result


@pytest.mark.parametrize("unbuffered", [False, True])
@pytest.mark.parametrize("fmt", ["json", "table", "csv", "markdown", "html"])
def test_broken_pipe_is_quiet(fmt, unbuffered):
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    result = with_closed_reader(["evaluate", BINARY, "--format", fmt], env)
    assert result.returncode == 0
    assert result.stderr == ""


@pytest.mark.parametrize("command", [["compare", *EPOCHS], ["epochs", *EPOCHS],
                                     ["history", KERAS]])
def test_broken_pipe_is_quiet_in_every_command(command):
    result = with_closed_reader(command)
    assert result.returncode == 0
    assert result.stderr == ""


def test_broken_pipe_keeps_the_gates_exit_code():
    result = with_closed_reader(["evaluate", BINARY, "--format", "json",
                                 "--fail-under", "roc_auc=0.999"])
    assert result.returncode == 1
    assert result.stderr.startswith("gate failed: roc_auc")


def test_head_reads_the_start_of_the_report():
    result = subprocess.run(
        " ".join(clfdiag("compare", *EPOCHS, "--format", "json")) + " | head -c 10",
        shell=True, capture_output=True, text=True, timeout=120)
    assert result.stdout == '{"schema_v'
    assert result.stderr == ""


@pytest.mark.parametrize("fmt", ["json", "table"])
@pytest.mark.parametrize("command", [["evaluate", BINARY], ["epochs", *EPOCHS]])
def test_closed_stdout_is_exit_2(command, fmt):
    result = subprocess.run(clfdiag(*command, "--format", fmt), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, timeout=120,
                            preexec_fn=lambda: os.close(1))
    assert result.returncode == 2
    assert result.stderr.startswith("error: standard output is closed")


@pytest.mark.parametrize("fmt", ["json", "table", "markdown"])
def test_full_stdout_is_exit_2(fmt):
    with open("/dev/full", "w") as full:
        result = subprocess.run(clfdiag("evaluate", BINARY, "--format", fmt), stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "error: cannot write the report to standard output: No space left on device")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("module", ["typer", "typer.main", "rich", "numpy", "pyarrow"])
def test_ctrl_c_during_start_up_imports_is_exit_130_with_one_line(module):
    # The program interrupts itself the moment it starts importing `module`.
    script = (
        "import os, signal, sys\n"
        "module = sys.argv[1]\n"
        "class InterruptOnImport:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == module:\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "sys.meta_path.insert(0, InterruptOnImport())\n"
        "sys.argv = ['clfdiag', 'evaluate', sys.argv[2]]\n"
        "from clfdiag.entry import main\n"
        "main()\n")
    result = subprocess.run([sys.executable, "-c", script, module, BINARY],
                            capture_output=True, timeout=120)
    assert result.returncode == 130, result.stderr
    assert result.stderr == b"interrupted\n"
    assert result.stdout == b""


def test_ctrl_c_inside_a_callback_python_discards_still_ends_the_program():
    # An interrupt can land while Python runs a callback whose exceptions it discards
    # (the import system's lock clean-up is a weakref callback): it must still end the run.
    script = (
        "import os, signal, sys, weakref\n"
        "sys.argv = ['clfdiag', '--help']\n"
        "import clfdiag.cli.app\n"
        "clfdiag.cli.app.main = lambda: None\n"
        "from clfdiag.entry import main\n"
        "main()\n"
        "class Thing: pass\n"
        "thing = Thing()\n"
        "ref = weakref.ref(thing, lambda r: os.kill(os.getpid(), signal.SIGINT))\n"
        "del thing\n"
        "print('carried on')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert result.returncode == 130, result.stderr
    assert result.stderr == b"interrupted\n"
    assert result.stdout == b""


@pytest.mark.parametrize("delay", [0.3, 0.6, 1.0, 2.0])
def test_ctrl_c_at_any_point_is_exit_130_with_one_line(delay):
    # Reading from a pipe that never ends keeps the program busy for as long as needed:
    # the signal lands during imports, option parsing or the read. (Delays start after
    # Python's own start-up, which runs before any of the program's code.)
    process = subprocess.Popen(clfdiag("evaluate", "-"), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err == b"interrupted\n"
    assert out == b""


def test_internal_error_is_one_line_and_debug_gives_the_traceback():
    script = (
        "import sys, clfdiag.api, clfdiag.entry\n"
        "def broken(*a, **k):\n"
        "    raise RuntimeError('first line\\nsecond line')\n"
        "clfdiag.api.evaluate_file = broken\n"
        "sys.argv = ['clfdiag', *sys.argv[1:]]\n"
        "clfdiag.entry.main()\n")
    result = subprocess.run([sys.executable, "-c", script, "evaluate", BINARY],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("internal error: RuntimeError: first line second line")
    debug = subprocess.run([sys.executable, "-c", script, "--debug", "evaluate", BINARY],
                           capture_output=True, text=True, timeout=120)
    assert "Traceback" in debug.stderr
    assert "second line" in debug.stderr


@pytest.mark.parametrize(("given", "seen"), [(None, "0"), ("1", "1")])
def test_the_command_line_leaves_numpy_huge_pages_off_unless_the_user_asks(given, seen):
    # Set before numpy's first import, so it is checked in a fresh interpreter.
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if given is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = given
    code = ("import os, clfdiag.cli.app as app, clfdiag.entry as entry\n"
            "app.main = lambda: print(os.environ['NUMPY_MADVISE_HUGEPAGE'])\n"
            "entry.main()\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == seen, out.stderr
