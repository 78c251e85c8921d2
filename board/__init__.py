"""View helpers for the wall screen (no SuperOffice knowledge beyond panel names).

Screens are the scripts in pages/ (one call each: `board.render.screen("<id>")`). Modules:
config (statusboard.toml, the STATUSBOARD_* knobs and the NetServer settings from secrets and
the environment → one frozen `BoardConfig` plus the problems found), geometry (pixel sizes of
the 1920×1080 canvas), charts (pure df → Altair), tiles (pure tile values and HTML), header
(freshness line and banner HTML), kiosk (rotation, reload, scaling), connection (Connection
screen rows), theme (palette, Vega config, CSS), runtime (the shared poller, the test hook),
render (the only module that draws with Streamlit).

Hooks (stable; browser tests and benchmarks rely on them)
- `#freshness` — exactly one per page, in the header: `data-state` is `fresh`, `stale`,
  `error` or `demo` (demo mode and fresh); `data-seq` the snapshot's sequence number (0 before
  data); `data-updated` the last good poll in ISO 8601 UTC (empty before one). Its text is
  "Updated 14:03:22, 12 s ago". Redrawn every second.
- `.sb-banner[data-banner]` — the stale/no-data banner (fixed at the bottom); absent when fresh.
- `.sb-demo[data-demo="true"]` — the "DEMO DATA" badge in the header, demo mode only.
- `.st-key-panel-<wire name>` — the container of every panel on a screen (a CSS class Streamlit
  derives from `st.container(key="panel-<wire name>")`), e.g. `.st-key-panel-StatusScreen`.
- Tiles: `.sb-tile[data-panel="<wire>"][data-tile="<key>"]`, key = wire name, or
  "StatusScreen.<label>" for the Status counts; `data-level` none|ok|amber|red; `data-na`
  true when the value is missing ("n/a"); `data-sb-stale` true|false (also class `sb-stale`).
  (Streamlit itself uses `data-stale` on its element containers, hence the `sb-` prefix.)
- Charts: `[data-testid="stVegaLiteChart"]` inside the panel container; while data is stale
  the container also holds `.sb-chart-stale[data-sb-stale="true"]`. The chart's Vega-Lite
  spec carries `usermeta.panel_shape` (categories|timeline).
- A panel that cannot be drawn: `[data-panel-error="true"][data-panel="<wire>"]`.
- Connection screen: `table[data-connection="true"]` and `.st-key-raw-frame` (the raw frame).
- `#sb-kiosk` — the kiosk script's element; `data-reload-at="HH:MM"` when the daily reload is
  scheduled (statusboard.toml `reload_at`, browser local time). The script also scales the
  1920×1080 canvas to the viewport: `html.sb-scaled` with `--sb-scale` (2 on a 3840×2160
  viewport at device pixel ratio 1; no class at 1920×1080). With `?rotate=`, `data-rotate`
  holds the seconds, and the script loads the next screen's address when they have passed.
- URLs: the first configured screen is `/`, the others `/<id>` (`/workload`, `/trends`),
  and `/connection`; a deep link works on a freshly started server. `?rotate=SECONDS` (≥ 5)
  cycles through the configured screens (not Connection) keeping the query;
  `?embed=true` is Streamlit's own chrome-less mode (the chrome is hidden anyway).
- Known noise: Streamlit's frontend probes `/<page>/_stcore/health` and `/host-config` on
  deep links and logs two 404s in the console; they are not errors of the board.

Environment knobs
- SUPEROFFICE_URL, _TICKET, _APP_TOKEN, _USER, _PASSWORD (and the rest of
  stats_client.settings.ENV_VARS): the NetServer; also read from .streamlit/secrets.toml, flat
  or in a [superoffice] table; the environment wins. Without a URL: demo mode.
- STATUSBOARD_INTERVAL: seconds between polls (default 30, at least 1; a bad value is shown on
  screen and the default used).
- STATUSBOARD_CONFIG: the screen configuration file (default: statusboard.toml in the repo).
- STATUSBOARD_MAX_BACKOFF: cap in seconds on the retry delay while the NetServer is down
  (default min(5 × interval, 300)); tests set it low to see recovery quickly.
- STATUSBOARD_REDRAW: seconds between panel redraws in each browser (default interval / 2,
  between 1 and 5).

Test hook: `board.runtime.inject(source, clock=..., demo=..., connection=...)` before
`AppTest.run()` replaces the client and poller by any object with `latest() -> Snapshot`;
`board.runtime.clear_injection()` undoes it.
"""
