"""Service Status Board: the page script Streamlit runs for every browser.

`statusboard serve` (or `make run`) starts the deployment (statusboard.deployment: the desks,
their pollers and the history) before the first browser, then serves this script; under
`streamlit run dashboard.py` (development) this script starts one for the environment, the
working folder and Streamlit's secrets. Page config and theme, the screens from
statusboard.toml as pages, kiosk rotation (?rotate=SECONDS) and the scheduled reload. Hooks and
knobs for tests and monitoring are listed in board/__init__.py.

The screen scripts live in pages/, one call each. On a freshly started server, Streamlit's older
multipage mode may run a deep link such as /workload straight from that folder, without this
file; the page then finds no context and `board.render.context` sends the run back through here.
"""

from pathlib import Path

import streamlit as st

from board import render, runtime
from board.desks import DESKS_ID
from board.kiosk import parse_desk, parse_lang, parse_rotate
from statusboard import deployment
from statusboard.config import CONNECTION_ID

PAGES_DIR = Path(__file__).parent / "pages"


def running() -> deployment.Deployment:
    """The deployment `statusboard serve` started, else one for development."""
    found = deployment.running()
    if found is not None:
        return found
    secrets, problem = runtime.streamlit_secrets()
    return deployment.for_development(
        deployment.Options.from_environment(secrets=secrets, secrets_problem=problem))


st.set_page_config(page_title="Service Status Board", page_icon="📟", layout="wide",
                   initial_sidebar_state="collapsed")

rt = runtime.current(running)
rotate, bad_rotate = parse_rotate(st.query_params.get("rotate"), default=rt.config.rotate)
desk, bad_desk = parse_desk(st.query_params.get("desk"), rt.desk_names)
language, bad_lang = parse_lang(st.query_params.get("lang"))

screens: dict[str, st.Page] = {}
for n, screen in enumerate(rt.config.screens):
    script = PAGES_DIR / f"{screen.id}.py"
    target = f"pages/{screen.id}.py" if script.is_file() else render.screen_page(screen)
    screens[screen.id] = st.Page(target, title=screen.title, url_path=screen.id, default=n == 0)
if len(rt.desk_names) > 1:  # several desks: the Desks screen, a row per desk
    screens[DESKS_ID] = st.Page(f"pages/{DESKS_ID}.py", title="Desks", url_path=DESKS_ID)
connection = st.Page(f"pages/{CONNECTION_ID}.py", title="Connection", url_path=CONNECTION_ID)

page = st.navigation([*screens.values(), connection], position="hidden")
# The first screen is "/" (its URL path is empty); rotation goes through the configured screens.
# The page's own scripts speak the language of the screen it shows (?lang= wins).
render.render_page_setup(rt, rotate_s=rotate,
                         rotation=["" if n == 0 else s.id for n, s in enumerate(rt.config.screens)],
                         language=language or rt.config.language_of(
                             rt.config.screen(page.url_path or rt.config.screens[0].id)))
render.set_context(render.PageContext(
    runtime=rt, problems=rt.problems + tuple(p for p in (bad_rotate, bad_desk, bad_lang) if p),
    desk=desk, unknown_desk=bad_desk, language=language))
page.run()
