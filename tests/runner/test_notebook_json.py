"""`runner.notebook_json.writes`: the text of `nbformat.writes`, character for character, however
the notebook changes between saves (each unchanged cell's JSON is reused)."""

from __future__ import annotations

import logging

import nbformat
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
    new_raw_cell,
)

from analysis.paths import NOTEBOOKS_DIR
from analysis.runner.notebook_json import writes


def _notebook():
    nb = new_notebook(metadata={"kernelspec": {"name": "dti-suite", "display_name": "DTI",
                                               "language": "python"},
                                "orig_nbformat": 3, "signature": "sha256:x",
                                "papermill": {"parameters": {"year": 2022}}})
    nb.cells = [
        new_markdown_cell("# Tiêu đề · title\n\nline two", attachments={
            "a.png": {"image/png": "iVBORw0KGgo=\nAAAA\n", "text/plain": "one\ntwo"}}),
        new_code_cell("year = 2022\nlang = 'vi'", metadata={"tags": ["parameters"],
                                                           "trusted": True}),
        new_code_cell("print('x')", execution_count=3, outputs=[
            new_output("stream", name="stdout", text="a\nb\n"),
            new_output("display_data", data={"text/html": "<p>1</p>\n<p>2</p>",
                                             "image/png": "iVBORw0KGgo=\n",
                                             "application/json": {"k": [1, 2.5, None]}},
                       metadata={"alt": "Hạng \u2028 rank"}),
            new_output("error", ename="ValueError", evalue="bad", traceback=["l1", "l2"])]),
        new_raw_cell("raw\ntext"),
    ]
    return nb


def test_the_same_text_as_nbformat_however_the_notebook_changes():
    nb, seen = _notebook(), {}
    assert writes(nb, seen) == nbformat.writes(nb)
    # a run goes on: a cell's metadata, its outputs, a new cell, the notebook's metadata
    nb.cells[2].metadata["papermill"] = {"status": "running", "duration": 0.25}
    assert writes(nb, seen) == nbformat.writes(nb)
    nb.cells[2].outputs.append(new_output("execute_result", data={"text/plain": "42"},
                                          execution_count=3))
    assert writes(nb, seen) == nbformat.writes(nb)
    nb.cells.append(new_code_cell("1 + 1", outputs=[]))
    nb.metadata["papermill"]["end_time"] = "2026-01-01T00:00:00"
    assert writes(nb, seen) == nbformat.writes(nb)
    nb.cells[0].source = "changed"
    nb.cells[2].outputs[1].data["image/png"] = b"iVBORw0KGgo="  # bytes: nbformat's encoder's
    assert writes(nb, seen) == nbformat.writes(nb)
    assert "changed" in writes(nb, seen)  # a changed cell is encoded again, never reused
    del nb.cells[:]
    assert writes(nb, seen) == nbformat.writes(nb)


def test_the_notebook_itself_is_not_changed():
    nb = _notebook()
    before = nbformat.writes(nb)
    writes(nb, {})
    assert nbformat.writes(nb) == before and nb.cells[1].metadata["trusted"] is True


def test_the_suites_notebooks_and_an_invalid_one(caplog):
    for path in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert writes(nb, {}) == nbformat.writes(nb)
    nb = _notebook()
    nb.cells[2].outputs[0]["name"] = 7  # invalid: logged, and written all the same
    with caplog.at_level(logging.ERROR):
        assert writes(nb, {}) == nbformat.writes(nb)
    assert "Notebook JSON is invalid" in caplog.text
