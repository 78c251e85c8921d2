"""The product layer: what the board is and does, with no screen attached.

Below the view (board/, Streamlit) and above the data side (stats_client/, SuperOffice):
config (statusboard.toml, the STATUSBOARD_* knobs and the NetServer settings → one frozen
`BoardConfig` and the problems as sentences), rules (threshold levels, "red for", what a
tile's change counts from, night), zone (the board's time zone), metrics (Prometheus and the
display census), site (where the board's own files are), texts (the wall's language, for the
screens and the alert messages: gettext catalogs, Babel's numbers and times) and deployment
(what runs: one desk's client, poller and recorder per desk, the store, the metrics, the alerts;
started by `statusboard serve` before any browser). Nothing here imports Streamlit; a test
walks the imports to keep it so.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("service-status-board")
except PackageNotFoundError:  # pragma: no cover - run from a tree that was never installed
    __version__ = "0.0.0+unknown"
