"""``python -m shenjing`` runs the ``shenjing`` command."""

import sys

from shenjing.cli import main

if __name__ == "__main__":
    sys.exit(main())
