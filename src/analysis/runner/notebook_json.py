"""A notebook's text as `nbformat.writes` makes it, for a notebook saved again and again while it
runs (papermill saves it as each cell starts and as the run ends): the JSON of each cell is kept
and reused while the cell is unchanged, so that a save encodes only the cells that changed.

`nbformat.writes` deep-copies the whole notebook, splits its multi-line strings and encodes all
of it with the json module's pure-Python indenting encoder: for 02 (a chart's PNG, tables) ~4 ms
a save, fifteen saves a run, in the process that waits for the kernel. The text here is the same
character for character (`tests/runner/test_notebook_json.py`): the notebook is validated as
`nbformat.writes` validates it, each cell is encoded as `nbformat.writes` encodes it and then
indented to its depth (the JSON of a string holds no line break: every line break is layout).
"""

from __future__ import annotations

import copy
import json

import nbformat
from nbformat.v4 import nbjson, rwbase
from traitlets.log import get_logger

JSON_OPTIONS = {"cls": nbjson.BytesEncoder, "indent": 1, "sort_keys": True,
                "separators": (",", ": "), "ensure_ascii": False}  # nbformat's JSONWriter's
TRANSIENT = ("orig_nbformat", "orig_nbformat_minor", "signature")  # rwbase.strip_transient's
CELLS_FIRST = '{\n "cells": []'  # the notebook's JSON without its cells begins so


def writes(nb, cells_seen: dict) -> str:
    """`nbformat.writes(nb)`: the same text. `cells_seen` keeps each cell's JSON by the cell's
    repr between calls (one dict per run of a notebook); a notebook this does not know how to
    write faster (not version 4, keys nbformat would reject) goes to `nbformat.writes`."""
    version, _ = nbformat.reader.get_version(nb)
    if version != 4 or not isinstance(nb.get("cells"), list) or "metadata" not in nb:
        return nbformat.writes(nb)
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:  # logged, and written all the same, as nbformat does
        get_logger().error("Notebook JSON is invalid: %s", error)
    metadata = {k: v for k, v in nb["metadata"].items() if k not in TRANSIENT}
    top = json.dumps({**nb, "metadata": metadata, "cells": []}, **JSON_OPTIONS)
    if not top.startswith(CELLS_FIRST):  # a key sorted before "cells": not a notebook nbformat
        return nbformat.writes(nb)        # would validate; its own writer says what it makes
    parts = [_cell_json(cell, cells_seen) for cell in nb["cells"]]
    cells = "[\n  " + ",\n  ".join(parts) + "\n ]" if parts else "[]"
    return '{\n "cells": ' + cells + top[len(CELLS_FIRST):]


def _cell_json(cell, cells_seen: dict) -> str:
    """One cell's JSON as it stands in the notebook's (two levels deep), from `cells_seen`
    when an equal cell was encoded before."""
    key = repr(cell)
    found = cells_seen.get(key)
    if found is None:
        node = nbformat.NotebookNode(cells=[copy.deepcopy(cell)])
        rwbase.split_lines(node)
        node.cells[0].metadata.pop("trusted", None)
        found = json.dumps(node.cells[0], **JSON_OPTIONS).replace("\n", "\n  ")
        cells_seen[key] = found
    return found
