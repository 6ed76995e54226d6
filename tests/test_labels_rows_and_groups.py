"""Row numbers after a labels join, and group values read alike in every mode."""

import json

import pandas as pd

from tests.test_cli import run

PREDICTIONS = "id,prob,site\n1,0.9,a\n2,0.2,a\n3,0.8,a\n4,0.3,b\n5,0.7,b\n6,0.1,b\n7,,b\n8,0.6,a\n"
LABELS = "id,label\n1,1\n2,0\n3,1\n5,0\n6,1\n7,1\n8,0\n"  # id 4 has no label


def test_rows_after_a_join_that_left_ids_out_are_the_files_rows(tmp_path):
    (tmp_path / "p.csv").write_text(PREDICTIONS)
    (tmp_path / "l.csv").write_text(LABELS)
    out = run("evaluate", tmp_path / "p.csv", "--labels", tmp_path / "l.csv", "--drop-invalid",
              "--min-confidence", "0.5", "--top", "10", "-f", "json").stdout
    top = json.loads(out)["overconfident_errors"]["top"]
    assert top
    # Ids equal their file row here: id k is on row k.
    assert all(str(e["row"]) == e["id"] for e in top)


def test_by_with_a_labels_file_groups_the_rows_the_join_kept(tmp_path):
    (tmp_path / "p.csv").write_text(PREDICTIONS)
    (tmp_path / "l.csv").write_text(LABELS)
    out = run("evaluate", tmp_path / "p.csv", "--labels", tmp_path / "l.csv", "--by", "site",
              "--drop-invalid", "-f", "json").stdout
    sizes = {s["group"]: s["n"] for s in json.loads(out)["slices"]}
    # Id 4 has no label and id 7 no probability: ids 1, 2, 3, 8 are in a; 5, 6 in b.
    assert sizes == {"a": 4, "b": 2}


def test_group_words_like_na_are_groups_in_memory_and_streaming(tmp_path):
    path = tmp_path / "na.csv"
    rows = ["1,0.9,NA", "0,0.2,NA", "1,0.7,", "0,0.6,", "1,0.8,null", "0,0.1,null",
            "1,0.3,a", "0,0.4,a", "1,0.65,N/A", "0,0.35,N/A"]
    path.write_text("label,prob,site\n" + "\n".join(rows) + "\n")
    expected = (pd.read_csv(path, keep_default_na=False, dtype={"site": str})
                .groupby("site").size().to_dict())
    for mode in ("--in-memory", "--streaming"):
        report = json.loads(run("evaluate", path, "--by", "site", "--min-group", "1", mode,
                                "-f", "json").stdout)
        assert {s["group"]: s["n"] for s in report["slices"]} == expected, mode
