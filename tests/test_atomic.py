"""Files are written whole or not at all, and a failure names the file meant to be written."""

import stat

import pandas as pd
import pytest

from analysis.atomic import write_csv_atomic, write_many, write_text_atomic


def _leftovers(folder):
    return sorted(p.name for p in folder.rglob(".*.tmp"))


def test_a_written_file_is_whole_shareable_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "sub" / "brief.html"
    write_text_atomic("Hải Dương\n", target, fsync=True)
    assert target.read_text(encoding="utf-8") == "Hải Dương\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert _leftovers(tmp_path) == []


def test_a_failure_on_the_second_file_replaces_neither_and_names_it(tmp_path):
    first = tmp_path / "first.txt"
    first.write_text("old", encoding="utf-8")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    second = blocker / "second.txt"

    with pytest.raises(OSError) as caught:
        write_many([(b"new", first), (b"new", second)])

    assert caught.value.filename == str(second)
    assert first.read_text(encoding="utf-8") == "old"
    assert _leftovers(tmp_path) == []


def test_a_csv_has_no_index_and_lf_line_ends(tmp_path):
    target = tmp_path / "t.csv"
    write_csv_atomic(pd.DataFrame({"unit": ["Hải Dương"], "rank": [13]}), target)
    assert target.read_bytes() == "unit,rank\nHải Dương,13\n".encode()
