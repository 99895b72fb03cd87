"""Raw CSVs are read as text, NFC-normalised, with the line each row starts on."""

import unicodedata

from analysis.ingest.raw import read_csv_lines


def test_rows_keep_their_file_line_and_text_as_written(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Hải Dương")
    path = tmp_path / "synthetic.csv"
    path.write_text(f"name,code\n{decomposed},07\n,NA\n", encoding="utf-8")

    frame = read_csv_lines(path)

    assert list(frame["_line"]) == [2, 3]
    assert frame.loc[0, "name"] == unicodedata.normalize("NFC", "Hải Dương")
    assert frame.loc[0, "code"] == "07"  # text, not the number 7
    assert frame.loc[1, "name"] == "" and frame.loc[1, "code"] == "NA"  # nothing read as missing
