"""Where reports go: atomic replace of regular files only, devices and FIFOs written through,
links followed, permissions kept, inputs never overwritten, failed writes reported."""

import json
import os
import shutil
import stat
import subprocess
import sys
import threading

import pytest
from typer.testing import CliRunner

from clfdiag.cli.app import app
from clfdiag.io.output import write_report
from tests.conftest import DATA, SAMPLES

BINARY = os.path.join(SAMPLES, "binary.csv")
EPOCHS = [os.path.join(SAMPLES, "epochs", f"epoch_{i:02d}.csv") for i in (1, 2)]
KERAS = os.path.join(DATA, "histories", "keras.csv")
MLFLOW = os.path.join(DATA, "histories", "mlflow")


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "clfdiag", *map(str, args)],
                          capture_output=True, text=True, timeout=120, **kwargs)


def test_existing_file_keeps_its_mode_and_is_replaced(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o600)
    run("evaluate", BINARY, "-f", "json", "-o", target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["command"] == "evaluate"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_new_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        write_report(str(tmp_path / "r.txt"), "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "r.txt").stat().st_mode) == 0o640


def test_symlink_is_followed_and_kept(tmp_path):
    real = tmp_path / "real" / "report.json"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    run("evaluate", BINARY, "-f", "json", "-o", link)
    assert link.is_symlink()
    assert json.loads(real.read_text())["task"] == "binary"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in real.parent.iterdir()) == ["report.json"]


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "target.txt")
    write_report(str(link), "hello")
    assert link.is_symlink()
    assert (tmp_path / "target.txt").read_text() == "hello"


def test_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    run("evaluate", BINARY, "-f", "json", "-o", fifo)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(received[0])["task"] == "binary"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_character_device_is_written_through_and_stays_a_device():
    result = cli("evaluate", BINARY, "-f", "json", "-o", "/dev/null")
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_symlink_to_a_device_is_written_through(tmp_path):
    link = tmp_path / "sink"
    link.symlink_to("/dev/null")
    write_report(str(link), "report")
    assert link.is_symlink()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_dev_stdout_is_the_shells_redirection(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("kept\n")
    with open(out, "a") as f:
        result = subprocess.run(
            [sys.executable, "-m", "clfdiag", "evaluate", BINARY, "-f", "csv",
             "-o", "/dev/stdout"], stdout=f, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("kept\nmetric,value")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_full_device_is_exit_2():
    result = cli("evaluate", BINARY, "-f", "json", "-o", "/dev/full")
    assert result.returncode == 2
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr


def test_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old report")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = run("evaluate", BINARY, "-f", "json", "-o", target, code=2)
    assert "No space left on device" in result.stderr
    assert target.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_folder_is_refused(tmp_path):
    result = run("evaluate", BINARY, "-o", tmp_path, code=2)
    assert "is a folder" in result.stderr


@pytest.mark.parametrize("option", ["-o", "--junit"])
def test_input_is_never_overwritten(tmp_path, option):
    copy = tmp_path / "preds.csv"
    shutil.copy(BINARY, copy)
    before = copy.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(copy)
    hard = tmp_path / "hard.csv"
    os.link(copy, hard)
    for target in (copy, link, hard, f"{tmp_path}/./preds.csv"):
        result = run("evaluate", copy, option, target, "--fail-under", "roc_auc=0.5", code=2)
        assert "refusing to overwrite" in result.stderr
    assert copy.read_bytes() == before


def test_stdin_input_is_never_overwritten(tmp_path):
    copy = tmp_path / "preds.csv"
    shutil.copy(BINARY, copy)
    before = copy.read_bytes()
    with open(copy, "rb") as f:
        result = cli("evaluate", "-", "-o", copy, stdin=f)
    assert result.returncode == 2, result.stderr
    assert copy.read_bytes() == before


@pytest.mark.parametrize("command", ["compare", "epochs"])
def test_input_is_never_overwritten_by_compare_or_epochs(tmp_path, command):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    shutil.copy(EPOCHS[0], a)
    shutil.copy(EPOCHS[1], b)
    before = b.read_bytes()
    for option in ("-o", "--junit"):
        result = run(command, a, b, option, b, "--fail-on", "loss-up-accuracy-up", code=2)
        assert "refusing to overwrite" in result.stderr
    assert b.read_bytes() == before


def test_input_is_never_overwritten_by_history(tmp_path):
    keras = tmp_path / "log.csv"
    shutil.copy(KERAS, keras)
    before = keras.read_bytes()
    run("history", keras, "-o", keras, code=2)
    assert keras.read_bytes() == before
    mlflow = tmp_path / "run"
    shutil.copytree(MLFLOW, mlflow)
    metric = mlflow / "metrics" / "val_loss"
    before = metric.read_bytes()
    result = run("history", mlflow, "-o", metric, code=2)
    assert "refusing to overwrite" in result.stderr
    assert metric.read_bytes() == before


def test_figures_never_overwrite_an_input(tmp_path):
    pytest.importorskip("matplotlib")
    folder = tmp_path / "figs"
    folder.mkdir()
    preds = folder / "roc.png"
    shutil.copy(BINARY, preds)
    before = preds.read_bytes()
    result = run("evaluate", preds, "--plot", folder, code=2)
    assert "refusing to overwrite" in result.stderr
    assert preds.read_bytes() == before


def test_report_and_junit_in_the_same_file_is_refused(tmp_path):
    report = tmp_path / "report.json"
    report.write_text("old")
    link = tmp_path / "link.xml"
    link.symlink_to(report)
    for target, junit in ((report, report), (report, link),
                          (tmp_path / "new.xml", tmp_path / "." / "new.xml")):
        result = run("evaluate", BINARY, "-o", target, "--junit", junit,
                     "--fail-under", "roc_auc=0.5", code=2)
        assert "are the same file" in result.stderr
    assert report.read_text() == "old"
    assert not (tmp_path / "new.xml").exists()


def test_ctrl_c_while_writing_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old report")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    result = run("evaluate", BINARY, "-f", "json", "-o", target, code=130)
    assert result.stderr == "interrupted\n"
    assert target.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
