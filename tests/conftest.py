"""Shared test set-up."""

import matplotlib

# Tests draw charts without a display.
matplotlib.use("Agg")
