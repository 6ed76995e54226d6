"""The HTML report: self-contained, readable offline, and checked in a real browser."""

import json
import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import SAMPLES
from tests.test_cli import run

EPOCHS = [os.path.join(SAMPLES, "epochs", f"epoch_{i:02d}.csv") for i in range(1, 21)]
CASES = {
    "binary": ("evaluate", os.path.join(SAMPLES, "binary.csv")),
    "multiclass": ("evaluate", os.path.join(SAMPLES, "multiclass.csv")),
    "compare": ("compare", EPOCHS[4], EPOCHS[5]),
    "epochs": ("epochs", *EPOCHS),
    "history": ("history", os.path.join(os.path.dirname(__file__), "data", "histories",
                                        "keras.csv")),
}


def page(tmp_path, case):
    path = tmp_path / f"{case}.html"
    run(*CASES[case], "--format", "html", "-o", path)
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_self_contained(tmp_path, case):
    html = page(tmp_path, case).read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", html)
    assert "@import" not in html
    assert "<svg" in html
    assert "<style>" in html


def test_html_to_stdout():
    out = run(*CASES["binary"], "--format", "html").stdout
    assert out.startswith("<!DOCTYPE html>")


def browser():
    found = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                  if shutil.which(b)), None)
    if found is None:
        if os.environ.get("CLFDIAG_REQUIRE_BROWSER") == "1":
            pytest.fail("no Chromium found; .ci/run installs Debian's chromium package")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    return found


def chromium(tmp_path, *args):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-quic", f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([browser(), *flags, *args], capture_output=True, text=True,
                          timeout=120, check=False)


def page_requests(tmp_path, url, *extra):
    """URLs the page itself asked for, from Chromium's net log.

    The browser's own background requests (update checks, time) are started by
    no origin; requests a page makes carry its origin as their initiator.
    """
    netlog = tmp_path / "net.json"
    done = chromium(tmp_path, f"--log-net-log={netlog}", *extra, url)
    log = json.loads(netlog.read_text())
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    requested = []
    for event in log["events"]:
        params = event.get("params", {})
        if (names.get(event["type"]) == "URL_REQUEST_START_JOB" and "url" in params
                and params.get("initiator") != "not an origin"):
            requested.append(params["url"])
    return requested, done


def test_the_request_check_can_fail(tmp_path):
    leaky = tmp_path / "leaky.html"
    html = page(tmp_path, "binary").read_text()
    leaky.write_text(html.replace("<body>", '<body><img src="http://127.0.0.1:9/x.png">', 1))
    requested, _ = page_requests(tmp_path, leaky.as_uri(), "--dump-dom")
    assert "http://127.0.0.1:9/x.png" in requested


@pytest.mark.parametrize("case", ["binary", "compare"])
def test_in_a_real_browser(tmp_path, case):
    path = page(tmp_path, case)
    url = path.as_uri()
    shot = tmp_path / "shot.png"
    requested, done = page_requests(tmp_path, url, f"--screenshot={shot}",
                                    "--window-size=1000,1600")
    assert shot.exists(), done.stderr[-2000:]
    assert [u for u in requested if not u.startswith("file:")] == []
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]
    assert pixels.std() > 0.05
    assert (pixels.mean(axis=2) < 0.9).mean() > 0.01  # some ink on the page
    dom = chromium(tmp_path, "--dump-dom", url).stdout
    report = json.loads(run(*CASES[case], "--format", "json").stdout)
    text = re.sub(r"<[^>]+>", " ", dom)
    if case == "binary":
        assert f"{report['metrics']['roc_auc']:.4f}" in text
        assert f"{report['metrics']['log_loss']:.4f}" in text
        assert "Overconfident errors" in text
    else:
        assert report["diagnosis"].split(":")[0] in text
        assert f"{report['b']['log_loss']:.4f}" in text
