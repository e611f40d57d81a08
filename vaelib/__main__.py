"""Allows `python -m vaelib`."""

import sys

from vaelib.cli import main

sys.exit(main())
