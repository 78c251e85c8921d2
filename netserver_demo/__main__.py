"""`python -m netserver_demo`: the same as `python -m stats_client simulate`."""

import sys

from .cli import main

sys.exit(main())
