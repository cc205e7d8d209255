"""`python -m rasmodel` is the `rasmodel` command."""

import sys

from rasmodel.cli import main

sys.exit(main())
