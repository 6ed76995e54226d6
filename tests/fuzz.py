"""A seeded mutation fuzzer of every command: any input ends in exit 0, 1 or 2, never a crash.

    python -m tests.fuzz 0 5000                      # seeds 0..4999, each picks a command
    python -m tests.fuzz 0 5000 --jobs 2             # split over two processes
    python -m tests.fuzz 0 1000 --command history    # one command only
    python -m tests.fuzz 1234 1235 -v                # one seed, printing what it ran

Each seed runs one command of :data:`COMMANDS` (seed modulo their number, or
``--command``) on inputs built from valid ones and mutated: for ``evaluate``,
a predictions file (CSV, TSV, semicolons with decimal commas, JSON Lines,
Parquet or Arrow IPC, possibly gzip/bzip2/xz/zip-compressed) with its bytes
mutated before or after compression, in memory or streaming; for ``compare``
and ``epochs``, two to four predictions of the same examples, any of them
mutated; for ``history``, a Keras, Lightning, Hugging Face, MLflow or
TensorBoard log from ``tests/data/histories`` with its bytes mutated; for
``threshold``, a binary file with random criteria, constraints, folds and
bootstrap; for ``calibrate``, a binary or multiclass file with random methods,
maybe saving the map;
for ``ood``, a multiclass IN file and one or two OUT files, one maybe mutated; for
``label-issues``, a binary or multiclass file, maybe mutated, with random options. The
output format is drawn from :data:`FORMATS`. Everything runs under an
address-space limit. A case fails when the exit code is not 0, 1 or 2, when
the output shows a traceback, when exit 0 prints no report (or, for JSON, no
valid JSON), or when exit 2 prints no ``error:`` message. Failures are printed
one JSON object a line (seed, command line, what went wrong) and make the exit
code 1. Another command is one more entry in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import io
import json
import lzma
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

ADDRESS_SPACE = 3 << 30
"""The worker's address-space limit: Arrow's thread pools reserve about 1.7 GB of it."""
INTERESTING = [b'"', b",", b";", b"\t", b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\x0c",
               "\u2028".encode(), b"{", b"}", b"NA", b"null", b"nan", b"-inf", b"1e309",
               b"True", b" ", b"\\", b"0,5", b"-1", b"2", b"", b"\xef\xbb\xbf", b"PAR1",
               b"\x1f\x8b", b"label", b"prob", b"id", b"p_a", b"[/x]", b"[bold]", b"<!--",
               b"$\\frac$", b"\x1b[2J", "\u202e".encode(), b"# ", b"|", b"`"]
VALUES = [b"nan", b"NaN", b"Infinity", b"-Infinity", b"1e309", b"-1e309", b"1e308", b"-0",
          b"", b"null", b"true", b'"x"', b"5e-324", b"-1", b"0", b"1", b"2", b"9007199254740993",
          b"1.5", b"[]", b"{}", b"\"\""]
"""What a number in a file becomes: non-finite, huge, tiny, empty, another type."""
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def base_table(rng: random.Random,
               kind: str | None = None) -> tuple[list[str], list[list[str]]]:
    """A small valid table: binary (``label,prob``) or multiclass (``p_<class>``), maybe ids.

    ``kind`` ("binary" or "multiclass") forces the kind; by default it is drawn.
    """
    n = rng.randint(1, 60)
    with_id = rng.random() < 0.5
    binary = rng.random() < 0.6
    if kind is not None:
        binary = kind == "binary"
    if binary:
        header = ["label", "prob"]
        labels = rng.choice([["0", "1"], ["-1", "1"], ["no", "yes"], ["True", "False"]])
        rows = [[rng.choice(labels), f"{rng.random():.6g}"] for _ in range(n)]
    else:
        classes = rng.choice([["a", "b", "c"], ["0", "1", "2", "3"], ["NA", "null"]])
        header = ["label"] + [f"p_{c}" for c in classes]
        rows = multiclass_rows(rng, classes, n)
    if with_id:
        header = ["id", *header]
        rows = [[f"r{i}", *row] for i, row in enumerate(rows)]
    return header, rows


def multiclass_rows(rng: random.Random, classes: list[str], n: int) -> list[list[str]]:
    """``n`` rows of a label and probabilities of ``classes`` summing to one."""
    rows = []
    for _ in range(n):
        weights = [rng.random() + 1e-3 for _ in classes]
        total = sum(weights)
        rows.append([rng.choice(classes)] + [repr(w / total) for w in weights])
    return rows


def render(rng: random.Random, header: list[str], rows: list[list[str]]) -> tuple[bytes, str]:
    """The table in one of the supported formats; returns its bytes and a file suffix."""
    kind = rng.choice(["csv", "csv", "tsv", "semicolon", "jsonl", "parquet", "ipc"])
    if kind in ("csv", "tsv", "semicolon"):
        sep = {"csv": ",", "tsv": "\t", "semicolon": ";"}[kind]
        if kind == "semicolon":
            rows = [[c.replace(".", ",") for c in row] for row in rows]
        text = "\n".join(sep.join(r) for r in [header, *rows]) + "\n"
        return text.encode(), ".tsv" if kind == "tsv" else ".csv"
    if kind == "jsonl":
        lines = [json.dumps({h: _json_value(v) for h, v in zip(header, row, strict=True)})
                 for row in rows]
        return ("\n".join(lines) + "\n").encode(), ".jsonl"
    import pyarrow as pa

    columns = {h: [row[j] for row in rows] for j, h in enumerate(header)}
    arrays = {h: pa.array([float(v) for v in vs]) if h.startswith("p") else pa.array(vs)
              for h, vs in columns.items()}
    table = pa.table(arrays)
    buffer = io.BytesIO()
    if kind == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, buffer)
        return buffer.getvalue(), ".parquet"
    with pa.ipc.new_file(buffer, table.schema) as writer:
        writer.write_table(table)
    return buffer.getvalue(), ".arrow"


def _json_value(text: str) -> object:
    try:
        return float(text) if "." in text or "e" in text else int(text)
    except ValueError:
        return text


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One to three byte-level mutations: insert, delete, duplicate, truncate, swap lines."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        if not out:
            out += rng.choice(INTERESTING)
            continue
        at = rng.randrange(len(out))
        op = rng.randrange(7)
        if op == 0:
            out[at:at] = rng.choice(INTERESTING)
        elif op == 1:
            del out[at:at + rng.randint(1, 8)]
        elif op == 2:
            out[at] = rng.randrange(256)
        elif op == 3:
            end = min(len(out), at + rng.randint(1, 64))
            out[at:at] = out[at:end] * rng.randint(1, 4)
        elif op == 4:
            del out[at:]
        elif op == 5:
            lines = bytes(out).split(b"\n")
            rng.shuffle(lines)
            out = bytearray(b"\n".join(lines))
        else:
            out[at:at] = rng.choice(INTERESTING) * rng.randint(1, 40)
    return bytes(out)


def mutate_values(rng: random.Random, data: bytes) -> bytes:
    """One to four numbers of a text file replaced by values of :data:`VALUES`."""
    numbers = list(NUMBER.finditer(data))
    if not numbers:
        return mutate(rng, data)
    chosen = sorted(rng.sample(numbers, min(len(numbers), rng.randint(1, 4))),
                    key=lambda m: m.start(), reverse=True)
    out = bytearray(data)
    for match in chosen:
        out[match.start():match.end()] = rng.choice(VALUES)
    return bytes(out)


def compress(rng: random.Random, data: bytes, suffix: str) -> tuple[bytes, str]:
    kind = rng.choice([None, None, "gzip", "bz2", "xz", "zip"])
    if kind is None:
        return data, suffix
    if kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("p" + suffix, data)
        return buffer.getvalue(), suffix + ".zip"
    module = {"gzip": gzip, "bz2": bz2, "xz": lzma}[kind]
    return module.compress(data), suffix + {"gzip": ".gz", "bz2": ".bz2", "xz": ".xz"}[kind]


def case(seed: int) -> tuple[bytes, str, list[str]]:
    """The input bytes, file suffix and extra CLI options of one ``evaluate`` seed."""
    rng = random.Random(seed)
    data, suffix = predictions_file(rng, *base_table(rng))
    options = rng.choice([[], [], ["--streaming"], ["--drop-invalid"], ["--logits"],
                          ["--renormalize", "--drop-invalid"], ["--streaming", "--drop-invalid"]])
    return data, suffix, options


def predictions_file(rng: random.Random, header: list[str], rows: list[list[str]],
                     damage: float = 0.7) -> tuple[bytes, str]:
    """One table rendered, maybe mutated, maybe compressed, maybe damaged once compressed.

    An undamaged Parquet or Arrow file stays uncompressed (compressing it is refused).
    """
    data, suffix = render(rng, header, rows)
    if rng.random() < damage:
        text = suffix in (".csv", ".tsv", ".jsonl")
        data = (mutate_values if text and rng.random() < 0.3 else mutate)(rng, data)
    if damage or suffix not in (".parquet", ".arrow"):
        data, suffix = compress(rng, data, suffix)
    if rng.random() < damage * 0.3:
        data = mutate(rng, data)  # damage the container itself
    return data, suffix


def reshuffled(rng: random.Random, header: list[str],
               rows: list[list[str]]) -> list[list[str]]:
    """The same examples (ids and labels) with other probabilities: another model or epoch."""
    out = []
    for row in rows:
        cells = list(row)
        columns = [j for j, h in enumerate(header) if h.startswith("p")]
        if len(columns) == 1:
            cells[columns[0]] = f"{rng.random():.6g}"
        else:
            weights = [rng.random() + 1e-3 for _ in columns]
            for j, w in zip(columns, weights, strict=True):
                cells[j] = repr(w / sum(weights))
        out.append(cells)
    return out


def evaluate_case(rng: random.Random, directory: Path) -> list[str]:
    """``evaluate`` on one mutated predictions file, in memory or streaming."""
    data, suffix, options = case(rng.randrange(1 << 30))
    path = directory / f"case{suffix}"
    path.write_bytes(data)
    return ["evaluate", str(path), *options]


def _epoch_files(rng: random.Random, directory: Path, count: int) -> list[str]:
    """``count`` predictions of the same examples: one mutated, or all maybe mutated."""
    header, rows = base_table(rng)
    damaged = rng.randrange(count)
    everywhere = rng.random() < 0.3
    paths = []
    for i in range(count):
        damage = 0.5 if everywhere else 0.9 if i == damaged else 0.0
        data, suffix = predictions_file(rng, header, reshuffled(rng, header, rows), damage)
        path = directory / f"epoch{i + 1}{suffix}"
        path.write_bytes(data)
        paths.append(str(path))
    return paths


def compare_case(rng: random.Random, directory: Path) -> list[str]:
    """``compare`` on two predictions of the same examples, one or both mutated."""
    options = rng.choice([[], [], ["--allow-partial"], ["--drop-invalid"],
                          ["--bootstrap", "50", "--seed", "1"],
                          ["--renormalize", "--drop-invalid"]])
    return ["compare", *_epoch_files(rng, directory, 2), *options]


def epochs_case(rng: random.Random, directory: Path) -> list[str]:
    """``epochs`` on two to four epochs of predictions, any of them mutated."""
    options = rng.choice([[], [], ["--allow-partial"], ["--significant"], ["--keep-order"],
                          ["--drop-invalid"]])
    return ["epochs", *_epoch_files(rng, directory, rng.randint(2, 4)), *options]


HISTORIES = Path(__file__).parent / "data" / "histories"
HISTORY_LOGS = ["keras.csv", "keras_old_names.csv", "keras_two_fits.csv", "lightning/metrics.csv",
                "hf/trainer_state.json", "hf_no_accuracy/trainer_state.json", "mlflow/metrics",
                "tensorboard"]


def history_case(rng: random.Random, directory: Path) -> list[str]:
    """``history`` on a Keras, Lightning, Hugging Face, MLflow or TensorBoard log, mutated."""
    source = HISTORIES / rng.choice(HISTORY_LOGS)
    files = sorted(source.iterdir()) if source.is_dir() else [source]
    target = directory / "log"
    target.mkdir()
    written = []
    for f in files:
        data = f.read_bytes()
        if rng.random() < 0.8 or f is files[-1]:
            data = rng.choice([mutate, mutate_values])(rng, data)
        (target / f.name).write_bytes(data)
        written.append(str(target / f.name))
    if source.name == "metrics":
        paths = [str(target)]  # an MLflow metrics folder
    elif source.name == "tensorboard":
        paths = written
    else:
        paths = written[:1]
    return ["history", *paths]


def _one_file(rng: random.Random, directory: Path, name: str, header: list[str],
              rows: list[list[str]], damage: float) -> str:
    """One predictions file written in ``directory``: intact, or damaged with odds ``damage``.

    An intact file reaches the command's own checks rather than the reader's.
    """
    data, suffix = predictions_file(rng, header, rows, 0.7 if rng.random() < damage else 0.0)
    path = directory / f"{name}{suffix}"
    path.write_bytes(data)
    return str(path)


OPTIMIZE = ["youden", "closest-topleft", "f1", "fbeta:2", "fbeta:0.5", "mcc", "accuracy",
            "balanced-accuracy", "cost", "net-benefit:0.2", "net-benefit:0.9"]
"""Valid criteria of ``threshold --optimize``."""
BAD_THRESHOLD_OPTIONS = [["--folds", "1"], ["--optimize", "fbeta:0"], ["--optimize", "fbeta:x"],
                         ["--optimize", "net-benefit:1"], ["--optimize", "net-benefit:nan"],
                         ["--optimize", "nonsense"], ["--min-recall", "1.5"],
                         ["--min-recall", "nan"], ["--cost-fp", "-1"], ["--cost-fn", "inf"],
                         ["--prevalence", "0"], ["--prevalence", "2"], ["--threshold", "-1"]]
"""Options ``threshold`` must refuse with exit 2."""


def threshold_case(rng: random.Random, directory: Path) -> list[str]:
    """``threshold`` on one binary file, maybe mutated, with random criteria and constraints."""
    options = ["--folds", str(rng.choice([0, 2, 3])), "--bootstrap", str(rng.randint(0, 20)),
               "--seed", str(rng.randrange(100))]
    if rng.random() < 0.6:
        options += ["--optimize", rng.choice(OPTIMIZE)]
    if rng.random() < 0.3:
        options += ["--min-recall", rng.choice(["0", "0.5", "0.9", "1"])]
    if rng.random() < 0.2:
        options += ["--cost-fp", rng.choice(["1", "5", "0"]),
                    "--cost-fn", rng.choice(["1", "10", "0"])]
    if rng.random() < 0.2:
        options += ["--prevalence", rng.choice(["0.1", "0.5", "0.99"])]
    options += rng.choice([[], [], ["--drop-invalid"], ["--scores"], ["--logits"],
                           ["--threshold", rng.choice(["0.3", "0", "1"])]])
    if rng.random() < 0.15:
        options += rng.choice(BAD_THRESHOLD_OPTIONS)
    path = _one_file(rng, directory, "predictions", *base_table(rng, "binary"), damage=0.3)
    return ["threshold", path, *options]


CALIBRATION_METHODS = {"binary": ["temperature", "platt", "isotonic", "beta", "histogram"],
                       "multiclass": ["temperature", "vector_scaling"]}


def calibrate_case(rng: random.Random, directory: Path) -> list[str]:
    """``calibrate`` on one binary or multiclass file, maybe mutated, with random methods."""
    kind = rng.choice(["binary", "multiclass"])
    methods = CALIBRATION_METHODS[kind]
    if rng.random() < 0.1:  # a method of the other kind: refused
        methods = CALIBRATION_METHODS["binary"] + CALIBRATION_METHODS["multiclass"]
    options = ["--folds", str(rng.randint(2, 3))]
    for method in rng.sample(methods, rng.choice([0, 0, 1, 1, 2])):
        options += ["--method", method]
    options += rng.choice([[], [], ["--drop-invalid"], ["--bootstrap", "10"],
                           ["--bins", str(rng.randint(1, 20))], ["--platt-smoothing"],
                           ["--renormalize", "--drop-invalid"], ["--logits"],
                           ["--save", str(directory / "mapping.json")]])
    path = _one_file(rng, directory, "predictions", *base_table(rng, kind), damage=0.3)
    return ["calibrate", path, *options]


def ood_case(rng: random.Random, directory: Path) -> list[str]:
    """``ood`` on a multiclass IN file and one or two OUT files of the same classes."""
    classes = rng.choice([["a", "b", "c"], ["0", "1", "2", "3"], ["cat", "dog", "NA", "x", "y"]])
    header = ["label"] + [f"p_{c}" for c in classes]
    rows = multiclass_rows(rng, classes, rng.randint(1, 60))
    damaged = rng.randrange(5)  # 3 or 4: none damaged
    paths = [_one_file(rng, directory, "in", header, rows, 1.0 if damaged == 0 else 0.0)]
    for i in range(rng.randint(1, 2)):
        out_rows = multiclass_rows(rng, classes, rng.randint(1, 40))
        out_header = ["label"] + [f"p_{c}" for c in classes]
        if rng.random() < 0.4:  # labels are not needed on OUT data
            out_header, out_rows = out_header[1:], [r[1:] for r in out_rows]
        damage = 1.0 if damaged == i + 1 else 0.0
        paths.append(_one_file(rng, directory, f"out{i + 1}", out_header, out_rows, damage))
    options = rng.choice([[], [], ["--logits"], ["--drop-invalid"],
                          ["--renormalize", "--drop-invalid"],
                          ["--keep", rng.choice(["0.5", "1", "0.999", "0.01", "0"])],
                          ["--top", rng.choice(["0", "5", "10000", "-1"])],
                          ["--min-confidence", rng.choice(["0", "0.5", "1"])]])
    return ["ood", *paths, *options]


LABEL_ISSUES_OPTIONS = [["--filter", f] for f in (
    "prune-by-class", "both", "confident-learning", "predicted-neq-given", "low-self-confidence",
    "low-normalized-margin")] + [
    ["--rank-by", "normalized-margin", "--adjust-pred-probs"],
    ["--rank-by", "confidence-weighted-entropy"],
    ["--rank-by", "confidence-weighted-entropy", "--adjust-pred-probs"],  # refused
    ["--top", "0"], ["--top", "-1"], ["--fail-on", "label-health-below=0.9"],
    ["--fail-on", "label-health-below"], ["--drop-invalid"], ["--logits"], ["--renormalize"]]
"""Options of ``label-issues``, some of which it must refuse with exit 2."""


def label_issues_case(rng: random.Random, directory: Path) -> list[str]:
    """``label-issues`` on one binary or multiclass file, maybe mutated, maybe its scores saved."""
    options = rng.choice([[], [], *LABEL_ISSUES_OPTIONS])
    if rng.random() < 0.2:
        options = [*options, "--scores-out", str(directory / "scores.csv")]
    path = _one_file(rng, directory, "predictions", *base_table(rng), damage=0.3)
    return ["label-issues", path, *options]


COMMANDS: dict[str, Callable[[random.Random, Path], list[str]]] = {
    "evaluate": evaluate_case,
    "compare": compare_case,
    "epochs": epochs_case,
    "history": history_case,
    "threshold": threshold_case,
    "calibrate": calibrate_case,
    "ood": ood_case,
    "label-issues": label_issues_case,
}
"""One entry per command: the arguments of one seeded case, its files written in a folder."""
FORMATS = ("json", "json", "table", "csv", "markdown", "html")


def arguments(seed: int, command: str | None, directory: Path) -> list[str]:
    """The command line of one seed: the command (given, or by seed), its case, a format."""
    name = command or list(COMMANDS)[seed % len(COMMANDS)]
    rng = random.Random(f"{name}:{seed}")
    args = COMMANDS[name](rng, directory)
    return [*args, "--format", rng.choice(FORMATS)]


def check(seed: int, directory: Path, command: str | None = None) -> dict[str, object] | None:
    """Run one seed in an empty folder; a description of the failure, or None."""
    from typer.testing import CliRunner

    from clfdiag.cli.app import app

    for leftover in directory.iterdir():
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    args = arguments(seed, command, directory)
    result = CliRunner().invoke(app, args)
    out, err = result.stdout, result.stderr
    problem = None
    if result.exit_code not in (0, 1, 2):
        problem = f"exit {result.exit_code}"
    elif "Traceback" in out + err:
        problem = "traceback"
    elif result.exit_code == 0 and args[-1] == "json":
        try:
            json.loads(out)
        except ValueError:
            problem = "exit 0 without valid JSON"
    elif result.exit_code == 0 and not out.strip():
        problem = "exit 0 without a report"
    elif result.exit_code == 2 and not err.startswith("error: "):
        problem = "exit 2 without an error: message"
    if problem is None:
        return None
    return {"seed": seed, "problem": problem,
            "args": [Path(a).name if a.startswith(str(directory)) else a for a in args],
            "stderr": err[-500:]}


def run_range(start: int, stop: int, command: str | None = None,
              verbose: bool = False) -> list[dict[str, object]]:
    """Run seeds ``start..stop-1`` in this process; the failures, each printed when found."""
    failures = []
    with tempfile.TemporaryDirectory(prefix="clfdiag-fuzz-") as directory:
        for seed in range(start, stop):
            failure = check(seed, Path(directory), command)
            if verbose:
                print(seed, "ok" if failure is None else failure["problem"], file=sys.stderr)
            if failure is not None:
                print(json.dumps(failure), flush=True)
                failures.append(failure)
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("start", type=int)
    parser.add_argument("stop", type=int)
    parser.add_argument("--command", choices=list(COMMANDS),
                        help="fuzz this command only (default: each seed picks one)")
    parser.add_argument("--jobs", type=int, default=1, help="processes to split the seeds over")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        failures = run_range(args.start, args.stop, args.command, args.verbose)
        sys.exit(1 if failures else 0)
    step = -(-(args.stop - args.start) // args.jobs)
    workers = [subprocess.Popen(
        [sys.executable, "-m", "tests.fuzz", str(lo), str(min(lo + step, args.stop)),
         "--worker", *(["-v"] if args.verbose else []),
         *(["--command", args.command] if args.command else [])],
        env={**os.environ, "COLUMNS": "80"})
        for lo in range(args.start, args.stop, step)]
    codes = [w.wait() for w in workers]
    sys.exit(0 if all(c == 0 for c in codes) else 1)


if __name__ == "__main__":
    main()
