"""`python -m stats_client fetch|simulate` (see `stats_client.cli`)."""

from .cli import main

raise SystemExit(main())
