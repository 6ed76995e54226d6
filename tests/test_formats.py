"""Every command renders in every format (the Markdown and CSV of epochs once crashed)."""

import json
import os

import pytest

from tests.conftest import DATA, SAMPLES
from tests.test_cli import run

EPOCHS = [os.path.join(SAMPLES, "epochs", f"epoch_{i:02d}.csv") for i in (1, 2, 3)]
COMMANDS = {
    "evaluate-binary": ("evaluate", os.path.join(SAMPLES, "binary.csv")),
    "evaluate-multiclass": ("evaluate", os.path.join(SAMPLES, "multiclass.csv")),
    "compare": ("compare", EPOCHS[0], EPOCHS[1]),
    "epochs": ("epochs", *EPOCHS),
    "history-steps": ("history", os.path.join(DATA, "histories", "hf", "trainer_state.json")),
    "history-no-accuracy": ("history", os.path.join(DATA, "histories", "hf_no_accuracy",
                                                    "trainer_state.json")),
    "history-segments": ("history", os.path.join(DATA, "histories", "keras_two_fits.csv")),
}


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_in_every_format(name, fmt):
    out = run(*COMMANDS[name], "--format", fmt).stdout
    assert out.strip()
    if fmt == "json":
        assert json.loads(out)["command"] == COMMANDS[name][0]
    if fmt == "csv":
        assert "," in out.splitlines()[0]
