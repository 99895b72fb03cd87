"""`python -m analysis`: runs `analysis.cli.main` and exits with its code. The commands live in
`analysis.cli`, whose `main` returns the code, so tests can call it without exiting."""

import sys

from analysis.cli import main

sys.exit(main())
