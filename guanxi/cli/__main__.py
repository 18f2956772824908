"""``python -m guanxi.cli`` runs the ``guanxi`` command."""

import sys

from guanxi.cli import main

sys.exit(main())
