"""``python -m desktop.cli`` and the bundle's ``precis-cli`` executable."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
