"""``python -m conformance.cli``: the same as the ``kyso`` console script."""

import sys

from conformance.cli.root import main

sys.exit(main())
