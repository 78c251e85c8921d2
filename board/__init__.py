"""The view side of the wall screen: it draws what the running deployment (statusboard.
deployment) holds, and never builds what runs (no SuperOffice knowledge beyond panel names).

Screens are the scripts in pages/ (one call each: `board.render.screen("<id>")`). Modules:
cli (`statusboard serve` and the data commands), app (Streamlit's st.App, whose lifespan starts
and stops the deployment), runtime (what a page run reads of the deployment; the test hook),
geometry (pixel sizes of the 1920×1080 canvas), charts (pure df → Altair), tiles (pure tile
values and HTML), header (freshness line and banner HTML), kiosk (rotation, reload, scaling,
the page's own clock), connection (Connection screen rows), theme (palette, Vega config, CSS),
today (the Today screen's content, pure), recall (what the screens read from the history
store, cached per process), render (the only module that draws with Streamlit). The
configuration, the product's rules, the metrics and the wall's words (statusboard.texts: the
catalogs, local numbers and times; `texts.use(lang)` for a run) are statusboard's.

Hooks (stable; browser tests and benchmarks rely on them)
- `#freshness` — exactly one per page, in the header: `data-state` is `fresh`, `stale`,
  `error`, `demo` (demo mode and fresh) or `offline` (the page lost the board server), as the
  page's own script decides it every second on the browser's clock; `data-server-state` what
  the server last sent (never `offline`); `data-seq` the snapshot's sequence number (0 before
  data); `data-updated` the last good poll in ISO 8601 UTC (empty before one); `data-interval`
  the poll interval in seconds; `data-history` the history store: `ok`, `unavailable` (the
  board polls and shows live data; the Connection screen says why) or `off`. Its text is
  "Updated 14:03:22, 12 s ago": the server sends
  "Updated 14:03:22", the page adds the age in `.sb-ago`. The server sends it again only when
  the snapshot moved (checked every STATUSBOARD_REDRAW seconds).
- `.sb-banner[data-banner]` — the stale/no-data banner the server sends (fixed at the bottom);
  absent when fresh.
- `#sb-page-banner.sb-banner[data-banner="offline"|"stale"]` — the page's own banner: offline
  ("This screen lost its connection to the board server at 03:18 — showing data from
  03:18:40"), or stale before the server's banner arrives. While offline `html.sb-offline` is
  set and the server's banner hidden. Streamlit's own dialogs (`[data-testid="stDialog"]`,
  e.g. "Connection error") are always hidden: they would cover the data.
- `.sb-demo[data-demo="true"]` — the "DEMO DATA" badge in the header, demo mode only.
- `.st-key-panel-<wire name>` — the container of every panel on a screen (a CSS class Streamlit
  derives from `st.container(key="panel-<wire name>")`), e.g. `.st-key-panel-StatusScreen`.
- Tiles: `.sb-tile[data-panel="<wire>"][data-tile="<key>"]`, key = wire name, or
  "StatusScreen.<label>" for the Status counts; `data-level` none|ok|amber|red; `data-na`
  true when the value is missing ("n/a"); its `.sb-tile-value` carries `data-value`, the exact
  value in plain digits whatever the language (the text may be a compact "1,2 mill."), and
  `data-step`, its step of the type scale; `data-sb-stale` true|false (also class `sb-stale`).
  (Streamlit itself uses `data-stale` on its element containers, hence the `sb-` prefix.)
  With history: `data-delta` the signed change against `compare` (a number; absent without
  history), `.sb-tile-delta` its words ("▲12 since 08:00"), and `img.sb-spark[data-sparkline]`
  the sparkline of today (an SVG image; `data-sparkline` its number of points).
- Today screen: its charts in `.st-key-panel-today-Open`, `-Unassigned`, `-Unread`,
  `-Created` (Vega-Lite `usermeta.panel_shape` "today"); without history
  `[data-today="empty"]` holds the sentence that says why.
- Charts: `[data-testid="stVegaLiteChart"]` inside the panel container; while data is stale
  the container also holds `.sb-chart-stale[data-sb-stale="true"]`. The chart's Vega-Lite
  spec carries `usermeta.panel_shape` (categories|timeline).
- A panel that cannot be drawn: `[data-panel-error="true"][data-panel="<wire>"]`.
- Connection screen: `table[data-connection="true"]` (its "Metrics" row says where they are
  served, or why not), `table[data-displays="true"]` (the open displays: screen, since, last
  new data drawn) and `.st-key-raw-frame` (the raw frame).
- `#sb-clock` — the page-clock script's element (board.kiosk.clock_script): it asks
  `/_stcore/health` every 2 s and says offline after two failures in a row;
  `window.__sbFormatAge(seconds)` is its "12 s ago" (the same words as format_age).
- `#sb-kiosk` — the kiosk script's element; `data-time-zone` the board's time zone (board.zone)
  that every script of the page tells time in; `data-settings` a short name of what the
  page's scripts run on (zone, reload time, rotation, night hours: when a full run names
  others, the page reloads); `data-reload-at="HH:MM"` when the daily reload is scheduled
  (statusboard.toml `reload_at`, in the board's time zone). The script also scales the
  1920×1080 canvas to the viewport: `html.sb-scaled` with `--sb-scale` (2 on a 3840×2160
  viewport at device pixel ratio 1; no class at 1920×1080). With `?rotate=`, `data-rotate`
  holds the seconds, and the script loads the next screen's address when they have passed.
- `#sb-night[data-night="on"|"off"]` — night mode (statusboard.toml `night = { from, to }`;
  no element when it is not set), made by board.kiosk.night_script and decided every second on
  the browser's clock in the board's time zone (like `reload_at`), never on `/connection`:
  `data-from`/`data-to` the hours (HH:MM). While "on", `html.sb-night` is set, the page is
  hidden (`visibility`, not removed: tiles and charts keep updating underneath), banners
  too, and only `#sb-night` (the time, HH:MM, 180 px, dim) and `#freshness` (30 px, with
  " — STALE", " — OFFLINE: …" or " — NO DATA" after it when not fresh) show, both moved
  together every minute within ±20 px (`--sb-night-x`, `--sb-night-y` on the root). At `to`
  it all comes back by itself.
- `?lang=en|nb|sv|da|de|nl`: the language of this display (wins over statusboard.toml's
  `language`, the board's or the screen's); a language the board does not have is a problem
  sentence and English. No hook changes with the language.
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
- STATUSBOARD_CONFIG: the screen configuration file (`statusboard serve --config` wins;
  default: ./statusboard.toml if present, else the built-in layout).
- STATUSBOARD_DATA_DIR: the folder of history.sqlite3 (`--data-dir` wins; default beside the
  configuration file, else ~/.local/share/statusboard).
- STATUSBOARD_MAX_BACKOFF: cap in seconds on the retry delay while the NetServer is down
  (default min(5 × interval, 300)); tests set it low to see recovery quickly.
- STATUSBOARD_REDRAW: how often each browser's light fragment checks whether what it shows
  moved, and beats for the display count (default interval / 2, between 1 and 5 s); panels
  are drawn again only when their data, the stale flip or the configuration moved.
- STATUSBOARD_DATABASE_URL: the history store (sqlite:///…, postgresql://…, or `off`); unset,
  history.sqlite3 in the data folder.
- STATUSBOARD_METRICS_PORT: serve Prometheus metrics on this port (statusboard.metrics; off by
  default; a port in use is a sentence on the Connection screen).

Test hook: `board.runtime.inject(source, clock=..., demo=..., connection=..., history=...)`
(history: e.g. a `HistoryRecorder` on a test's own store) before
`AppTest.run()` replaces the client and poller by any object with `latest() -> Snapshot`;
`board.runtime.clear_injection()` undoes it.
"""
