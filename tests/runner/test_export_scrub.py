"""The executed notebook's text is scrubbed in linear time: a cell printing a long line without
spaces must not stall the runner (it did: 43 s of CPU for 150 KB, with the event loop blocked,
so kernels started meanwhile missed their handshake)."""

from __future__ import annotations

import time

from analysis.runner.export import _scrub_text


def test_the_cell_file_and_addresses_are_scrubbed():
    assert _scrub_text("File /tmp/ipykernel_123/456.py, line 3") == "File <cell>/456.py, line 3"
    assert _scrub_text('"/tmp/ipykernel_9/12.py"') == '"<cell>/12.py"'
    assert _scrub_text("<Axes at 0x7f3a2b>") == "<Axes at 0x…>"


def test_a_long_line_is_scrubbed_quickly():
    text = "x" * 2_000_000 + " /tmp/ipykernel_1/2.py"
    started = time.process_time()
    assert _scrub_text(text).endswith(" <cell>/2.py")
    assert time.process_time() - started < 2  # linear: ~0.05 s here; quadratic: hours
