"""`python -m kerasgen.cli ...`, the same as the `kerasgen` command."""

import sys

from kerasgen.cli import main

if __name__ == "__main__":
    sys.exit(main())
