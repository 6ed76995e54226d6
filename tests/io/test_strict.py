"""Strict reading: every line accounted for, every input refused with exit 2 or read whole."""

import gzip
import io
import json
import os
import subprocess
import sys
import threading
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import clfdiag
from clfdiag.errors import ClfdiagError
from clfdiag.io import ReadOptions, read_predictions


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def refused(path, *needles, **options):
    with pytest.raises(ClfdiagError) as err:
        read_predictions(str(path), ReadOptions(**options))
    text = str(err.value)
    for needle in needles:
        assert needle in text, text
    assert err.value.exit_code == 2
    return text


def cli(*args, stdin=None, env=None):
    return subprocess.run([sys.executable, "-m", "clfdiag", *map(str, args)], input=stdin,
                          capture_output=True, timeout=120, env=env, check=False)


# --- rows are never lost ----------------------------------------------------------------------


def test_stray_quote_in_a_large_file_is_refused_naming_its_line(tmp_path):
    rows = [f"{i},{i % 2},0.{(i * 7919) % 1000000:06d}" for i in range(940_000)]
    rows[5] = '5,1,"0.5'
    path = write(tmp_path, "p.csv", "id,label,prob\n" + "\n".join(rows) + "\n")
    assert os.path.getsize(path) > 16 << 20
    refused(path, "line 7", "quoted value", "malformed CSV")
    for streaming in (False, True):
        with pytest.raises(ClfdiagError, match="line 7"):
            clfdiag.evaluate_file(path, streaming=streaming)


def test_stray_quote_in_a_small_file(tmp_path):
    path = write(tmp_path, "p.csv", 'label,prob\n1,0.5\n0,"0.2\n1,0.7\n0,0.1\n')
    refused(path, "line 3")


def test_stray_quote_is_refused_when_content_decides_the_roles(tmp_path):
    # y_pred beside y_proba: the roles come from the columns' content, read by the same
    # strict reader, so a quote that swallows rows is refused there too.
    rows = [f"{i % 2},{i % 2},0.{(i * 7919) % 1000000:06d}" for i in range(200_000)]
    rows[5] = '1,"1,0.5'
    path = write(tmp_path, "p.csv", "y_true,y_pred,y_proba\n" + "\n".join(rows) + "\n")
    with pytest.raises(ClfdiagError, match="row 6"):
        read_predictions(path)
    rows[5] = '1,1,"0.5'
    path = write(tmp_path, "q.csv", "y_true,y_pred,y_proba\n" + "\n".join(rows) + "\n")
    with pytest.raises(ClfdiagError, match="line 7"):
        read_predictions(path)


def test_quoted_values_spanning_lines_are_read_whole_when_content_decides(tmp_path):
    path = write(tmp_path, "p.csv", 'text,y_true,y_pred,y_proba\n"two\nlines",1,1,0.9\n'
                 'plain,0,0,0.2\n"a, b",1,0,0.4\n')
    preds = read_predictions(path)
    assert preds.y.tolist() == [1, 0, 1]
    assert preds.proba.tolist() == [0.9, 0.2, 0.4]


def test_quoted_values_spanning_lines_are_read_whole(tmp_path):
    path = write(tmp_path, "p.csv",
                 'text,label,prob\n"two\nlines",1,0.9\nplain,0,0.2\n"a, b",1,0.6\n')
    preds = read_predictions(path)
    assert preds.y.tolist() == [1, 0, 1]
    assert preds.proba.tolist() == [0.9, 0.2, 0.6]


def test_blank_lines_are_skipped_and_counted_as_lines(tmp_path):
    path = write(tmp_path, "p.csv", "label,prob\n1,0.9\n\n0,0.2\n\n")
    assert read_predictions(path).y.tolist() == [1, 0]


def test_ragged_row_names_its_physical_line(tmp_path):
    path = write(tmp_path, "p.csv", "label,prob\n1,0.9\n\n0,0.2,5\n")
    refused(path, "row 3 has 3")


# --- the header ------------------------------------------------------------------------------


def test_a_header_longer_than_the_sniffed_sample_is_read_whole(tmp_path):
    k = 4000  # within the limit of classes, with names long enough
    names = [f"p_class_with_a_long_name_{c:05d}" for c in range(k)]
    row = ",".join(["1"] + ["0"] * (k - 1))
    header = "label," + ",".join(names)
    assert len(header) > 1 << 16
    body = "\n".join(f"class_with_a_long_name_{c:05d}," + row for c in (0, 0, 0))
    path = write(tmp_path, "p.csv", header + "\n" + body + "\n")
    preds = read_predictions(path)
    assert preds.proba.shape == (3, k)
    assert len(preds.classes) == k


def test_duplicate_column_names_are_refused(tmp_path):
    path = write(tmp_path, "p.csv", "label,prob,prob\n1,0.9,0.1\n0,0.2,0.8\n")
    refused(path, "'prob' (2 times)", "rename")


@pytest.mark.parametrize("odd", ["\f", "\u2028", "\x85"])
def test_odd_line_breaks_in_the_header_are_data(tmp_path, odd):
    path = write(tmp_path, "p.csv", f"label,prob,note{odd}x\n1,0.9,a\n0,0.2,b\n")
    assert read_predictions(path).y.tolist() == [1, 0]


# --- labels ----------------------------------------------------------------------------------


def test_null_words_are_labels_and_only_an_empty_cell_is_missing(tmp_path):
    classes = ["NA", "null", "None", "nan", "N/A"]
    header = "label," + ",".join(f"p_{c}" for c in classes)
    rows = [f"{c}," + ",".join("1" if d == c else "0" for d in classes) for c in classes]
    path = write(tmp_path, "p.csv", header + "\n" + "\n".join(rows) + "\n")
    preds = read_predictions(path)
    assert preds.y.tolist() == [0, 1, 2, 3, 4]
    refused(write(tmp_path, "q.csv", header + "\n" + rows[0] + "\n," + rows[1][5:] + "\n"),
            "missing label", "rows 2")


def test_binary_null_word_label_with_drop_invalid_keeps_the_class(tmp_path):
    path = write(tmp_path, "p.csv", "label,prob\nNA,0.1\nyes,0.9\nNA,0.3\n")
    preds = read_predictions(path, ReadOptions(positive="yes", drop_invalid=True))
    assert preds.classes == ("NA", "yes")
    assert preds.y.tolist() == [0, 1, 0]


def test_streaming_decides_the_class_names_once(tmp_path):
    rows = ["label,prob"] + [f"-1,0.{i % 9 + 1}" for i in range(3000)] + [
        f"1,0.{i % 9 + 1}" for i in range(3000)]
    path = write(tmp_path, "p.csv", "\n".join(rows) + "\n")
    memory = clfdiag.evaluate_file(path, streaming=False)
    stream = clfdiag.evaluate_file(path, streaming=True, batch_bytes=4096)
    assert memory["classes"] == stream["classes"] == ["-1", "1"]
    assert stream["positive_class"] == "1"


@pytest.mark.parametrize("labels", [["0", "1", "True", "False"], ["1", "True", "0"]])
def test_mixed_label_spellings_are_refused_in_memory_and_streaming(tmp_path, labels):
    rows = ["label,prob"] + [f"{labels[i % len(labels)]},0.5" for i in range(2000)]
    path = write(tmp_path, "p.csv", "\n".join(rows) + "\n")
    for streaming in (False, True):
        with pytest.raises(ClfdiagError, match="classes"):
            clfdiag.evaluate_file(path, streaming=streaming, batch_bytes=4096)


# --- corrupt and unusual inputs: exit 2, never 3 ----------------------------------------------


BINARY = "id,label,prob\n" + "".join(f"r{i},{i % 2},0.{i % 9 + 1}\n" for i in range(20_000))


def test_truncated_gzip(tmp_path):
    data = gzip.compress(BINARY.encode())
    refused(write(tmp_path, "p.csv.gz", data[: len(data) // 2]), "gzip")


def test_corrupt_zip_member(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("p.csv", BINARY)
    data = bytearray(buffer.getvalue())
    data[200:260] = b"\x00" * 60
    path = write(tmp_path, "p.zip", bytes(data))
    result = cli("evaluate", path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(b"error: ")


def _parquet(tmp_path, table, name="p.parquet"):
    path = tmp_path / name
    pq.write_table(table, path)
    return str(path)


def test_corrupt_parquet_data_page(tmp_path):
    n = 50_000
    rng = np.random.default_rng(0)
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"label": rng.integers(0, 2, n), "prob": rng.random(n)}), path,
                   compression="snappy")
    # Inside the probabilities' pages, past their page header, with seeded bytes: random
    # bytes in the labels' bit-packed indices can decode to other valid labels, which no
    # reader can tell from the truth (the writer stores no page checksums).
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(1)
    start = (chunk.dictionary_page_offset or chunk.data_page_offset) + 100
    data = bytearray(path.read_bytes())
    data[start:start + 2000] = np.random.default_rng(1).integers(0, 256, 2000,
                                                                   dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    result = cli("evaluate", path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(b"error: ")


def test_nested_parquet_column_is_refused(tmp_path):
    path = _parquet(tmp_path, pa.table({"label": [1, 0], "prob": [[0.9], [0.2]]}))
    refused(path, "'prob'", "list")


def test_decimal_probabilities_are_numbers(tmp_path):
    import decimal

    prob = pa.array([decimal.Decimal("0.90"), decimal.Decimal("0.20")], pa.decimal128(5, 2))
    preds = read_predictions(_parquet(tmp_path, pa.table({"label": [1, 0], "prob": prob})))
    assert preds.proba.tolist() == [0.9, 0.2]


def test_a_huge_cell_beside_a_bad_value_is_named(tmp_path):
    big = "x" * (2 << 20)
    path = write(tmp_path, "p.csv", f"note,label,prob\n{big},1,0.9\na,0,oops\n")
    text = refused(path, "rows 2 ('oops')")
    assert len(text) < 1000


def test_decimal_comma_file_with_a_point_later_names_the_row(tmp_path):
    rows = ["label;prob"] + [f"{i % 2};0,{i % 9 + 1}" for i in range(60)] + ["1;0.5"]
    text = refused(write(tmp_path, "p.csv", "\n".join(rows) + "\n"), "rows 61 ('0.5')")
    assert "decimal" in text


def test_closed_stdin_is_exit_2():
    result = subprocess.run(f"{sys.executable} -m clfdiag evaluate - <&-", shell=True,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(b"error: ")


def test_a_fifo_is_read_once_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as f:
            f.write(BINARY.encode())

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    result = cli("evaluate", fifo, "--format", "json")
    writer.join(5)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["input"]["rows"] == 20_000


def test_process_substitution_is_read_once(tmp_path):
    path = write(tmp_path, "p.csv", BINARY)
    result = subprocess.run(["bash", "-c", f'{sys.executable} -m clfdiag evaluate '
                             f'<(cat {path}) --format json'],
                            capture_output=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["input"]["rows"] == 20_000


# --- memory stays bounded --------------------------------------------------------------------


BOMB = """
import gzip, resource, sys
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.argv = ["clfdiag", "evaluate", sys.argv[1], "--format", "json"]
from clfdiag.cli.app import main
main()
"""


def test_a_compression_bomb_is_streamed_within_a_bounded_address_space(tmp_path):
    pad = "x" * 990  # long rows: many bytes, few rows, so that the test is quick
    block = "".join(f"{i % 2},0.{i % 9 + 1},{pad}\n" for i in range(1000)).encode()
    member = gzip.compress(block, compresslevel=9)
    copies = 600  # 600 x 1 MB: 600 MB of CSV from 3 MB of gzip
    path = tmp_path / "bomb.csv.gz"
    with open(path, "wb") as f:
        f.write(gzip.compress(b"label,prob,note\n"))
        for _ in range(copies):
            f.write(member)
    assert path.stat().st_size < 20 << 20
    # In memory the budget would be ~5x the text (3 GB); a 3 GB address space holds the
    # interpreter, Arrow's threads and one batch, and the decision must choose streaming.
    limit = 3 << 30
    result = subprocess.run([sys.executable, "-c", BOMB, str(path), str(limit)],
                            capture_output=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["mode"] == "streaming"
    assert report["input"]["rows"] == copies * 1000


def test_stdin_streams_and_each_invocation_reads_its_own_input():
    from typer.testing import CliRunner

    from clfdiag.cli.app import app

    first = CliRunner().invoke(app, ["evaluate", "-", "--format", "json", "--streaming"],
                               input=BINARY)
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["mode"] == "streaming"
    other = "label,prob\n1,0.9\n0,0.1\n"
    second = CliRunner().invoke(app, ["evaluate", "-", "--format", "json"], input=other)
    assert second.exit_code == 0, second.stderr
    assert json.loads(second.stdout)["input"]["rows"] == 2


def test_ids_are_text_so_decimal_looking_ids_stay_distinct(tmp_path):
    path = write(tmp_path, "p.csv", "id,label,prob\n1.000,1,0.9\n1,0,0.2\n1.0,1,0.6\n")
    assert read_predictions(path).id_values([0, 1, 2]) == ["1.000", "1", "1.0"]


def test_a_large_cell_in_a_file_with_blank_lines_is_read(tmp_path):
    big = "x" * (1 << 20)
    path = write(tmp_path, "p.csv", f"note,label,prob\n{big},1,0.9\n\na,0,0.2\n")
    assert read_predictions(path).y.tolist() == [1, 0]
