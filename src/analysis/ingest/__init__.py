"""The ingest tool: from the files as received (`data/raw/`) to checked tables (`data/processed/`).

`python -m analysis build|validate|import-dti` run it; the notebooks and the batch runner only read
what it wrote (through `analysis.data`), and take from here the source registry's precedence
words (`sources`) and the one date rule (`dates`). It imports the base modules (`paths`,
`errors`, `atomic`, `names`, `measures`, `datalock`) and `i18n` (for `validate`'s check of
`data/translations.csv`), never the runner: `tests/test_layers.py` keeps it so.
"""
