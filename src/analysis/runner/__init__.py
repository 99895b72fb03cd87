"""The batch runner: from notebooks and parameters to published offline HTML briefs.

`python -m analysis run` runs it (`analysis.cli` parses the options and calls `batch.run`). It
plans the runs (`plan`), executes each on a new kernel forked from a warm template (`execute`,
`kernels`, `forkserver`, `kernel_streams`, `suite_kernel`), skips what is up to date
(`incremental`, `imports`), turns each executed notebook into its brief (`export`,
`brief_exporter`) and publishes it (`publish`, `journal`), then records the batch
(`manifest`, `index_page`, `dataset`). Two plug-ins let Jupyter's own tools do the same:
`brief_exporter` (nbconvert `dti_brief`) and `papermill_engine` (papermill `dti`).

Arrows point down: the runner imports the top layer (what the notebooks use) and the base, and
nothing imports the runner but `analysis.cli`, which dispatches `run` to it. This package's
`__init__` imports nothing: a kernel imports `analysis.runner.forkserver` and
`analysis.runner.kernel_streams` and `.suite_kernel`, and must not pay for the rest.
`tests/test_layers.py` keeps it so.
"""
