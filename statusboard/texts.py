"""The board's words in the wall's language: gettext catalogs (statusboard/locales/<lang>/
LC_MESSAGES/statusboard.po, read and compiled once per process) and local numbers and times from
Babel (CLDR). One language per page run, alert message or digest, chosen by `use`
(statusboard.toml `language`, a screen's own, or ?lang=); English when nothing says otherwise.
The view (board/) and the product layer (alerts, digests) write with the same words: no
Streamlit here.

    >>> with use("nb"):
    ...     number(1234567), ngettext("{n} day ago", "{n} days ago", 3).format(n=3)
    ('1\\xa0234\\xa0567', '3 dager siden')

Messages are written with named `{placeholders}` (str.format) so that a translation may put them
in its own order; `N_` marks a text to be translated where it is shown, not where it is defined.
"""

from __future__ import annotations

import contextvars
import functools
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_compact_decimal, format_decimal
from babel.plural import to_javascript
from babel.support import Translations

from stats_client.panels import PanelType

#: The languages the board speaks (locales/ holds a catalog of each), and the default.
LANGUAGES = ("en", "nb", "sv", "da", "de", "nl")
DEFAULT_LANGUAGE = "en"
DOMAIN = "statusboard"
LOCALES_DIR = Path(__file__).with_name("locales")
#: Each language by its own name (the Connection screen says which one the wall is in).
LANGUAGE_NAMES = {"en": "English", "nb": "norsk bokmål", "sv": "svenska", "da": "dansk",
                  "de": "Deutsch", "nl": "Nederlands"}
#: The CLDR locale each language is formatted in: English as a European desk writes it (24-hour
#: clock, "Wed 18:00"), the others as their own country does.
_CLDR = {"en": "en_GB", "nb": "nb_NO", "sv": "sv_SE", "da": "da_DK", "de": "de_DE",
         "nl": "nl_NL"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("statusboard_language",
                                                               default=DEFAULT_LANGUAGE)


def language() -> str:
    """The language of the texts being made now (`use`)."""
    return _current.get()


@contextmanager
def use(lang: str | None) -> Iterator[str]:
    """Make the texts of this block in `lang` (English for None or a language the board does
    not have); yields the language used."""
    chosen = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def catalog_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> Translations:
    """The catalog of `lang`, compiled in memory from its .po file once per process (fuzzy
    entries are left out, as msgfmt does)."""
    with catalog_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(message: str) -> str:
    return str(translations(language()).gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    return str(translations(language()).ngettext(singular, plural, n))


_ = gettext


def N_(message: str) -> str:  # gettext's own name for "translated later"
    """Marks `message` for the catalogs; `gettext` translates it where it is shown."""
    return message


def locale() -> Locale:
    return Locale.parse(_CLDR[language()])


# -- numbers and times, the local way ---------------------------------------------------------
def number(value: float, decimals: int = 0) -> str:
    """`value` with the language's separators and `decimals` decimals: "1,234,567", "2,5"."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(value, format=pattern, locale=locale()))


def na() -> str:
    """What a missing value shows ("n/a"), in the wall's language."""
    return gettext("n/a")


def format_value(value: float | None) -> str:
    """A tile's value: whole numbers with the language's thousands separators, others with one
    decimal; "n/a" when missing.

        >>> format_value(1234567), format_value(2.25)
        ('1,234,567', '2.2')
    """
    if value is None or not math.isfinite(value):
        return na()
    return number(value, 0 if float(value).is_integer() else 1)


def compact(value: float) -> str:
    """A long number in the language's short form: "1.2m", "1,2 mill.", "1,2 Mio."."""
    if not math.isfinite(value):
        return number(value)
    text = str(format_compact_decimal(value, format_type="short", fraction_digits=1,
                                      locale=locale()))
    if sum(c.isdigit() for c in text) > 3:  # "172.8k": three figures say enough
        text = str(format_compact_decimal(value, format_type="short", fraction_digits=0,
                                          locale=locale()))
    return text


def hm(when: datetime | time) -> str:
    """Hours and minutes of a wall-clock time (pass it in the board's zone): "14:03", "14.03"."""
    wall = when.time() if isinstance(when, datetime) else when
    return str(format_time(wall, "short", locale=locale()))


def hms(when: datetime | time) -> str:
    """Hours, minutes and seconds: "14:03:22"."""
    wall = when.time() if isinstance(when, datetime) else when
    return str(format_time(wall, "medium", locale=locale()))


def weekday(when: datetime) -> str:
    """The short weekday name: "Wed", "ons.", "Mi."."""
    return str(format_datetime(when.replace(tzinfo=None), "EEE", locale=locale()))


def weekday_long(when: datetime) -> str:
    """The weekday's whole name: "Wednesday", "onsdag"."""
    return str(format_datetime(when.replace(tzinfo=None), "EEEE", locale=locale()))


def short_date(when: datetime) -> str:
    """A day with its weekday and month, short, in the language's order: "Fri 4 Dec",
    "fre. 4. des.", "Fr., 4. Dez."."""
    return str(format_skeleton("MMMEd", when.replace(tzinfo=None), locale=locale()))


def time_separator() -> str:
    """What separates hours from minutes in the language (":" or "." in Danish)."""
    return hm(time(1, 2))[2]


def plural_js() -> str:
    """A JavaScript function (n → "one" | "other" …) choosing a plural form, from CLDR."""
    return str(to_javascript(locale().plural_form))


def cldr_tag() -> str:
    """The CLDR/BCP 47 tag of the language ("en-GB", "nb-NO"), for the browser's Intl."""
    return _CLDR[language()].replace("_", "-")


def duration(seconds: float) -> str:
    """A span in minutes, or hours and minutes, as a tile says it: "14 min", "2 t 5 min".

    >>> duration(14 * 60 + 20), duration(7500), duration(5)
    ('14 min', '2 h 5 min', '<1 min')
    """
    minutes = int(seconds // 60)
    if minutes < 1:
        return gettext("<1 min")
    if minutes < 60:
        return gettext("{minutes} min").format(minutes=minutes)
    if minutes % 60:
        return gettext("{hours} h {minutes} min").format(hours=minutes // 60,
                                                         minutes=minutes % 60)
    return gettext("{hours} h").format(hours=minutes // 60)


# -- the panels' own titles ---------------------------------------------------------------------
#: Each panel's own title, as the board writes it (a title from statusboard.toml is shown as
#: written).
PANEL_TITLES: dict[PanelType, str] = {
    PanelType.OpenRequestsPerCategory: N_("Open requests per category"),
    PanelType.OpenRequestsPerTopCategory: N_("Open requests per top category"),
    PanelType.OpenRequestsPerUser: N_("Open requests per handler"),
    PanelType.OpenRequestsPerUserGroup: N_("Open requests per user group"),
    PanelType.OpenRequestsPerPriority: N_("Open requests per priority"),
    PanelType.OpenRequestsPerStatus: N_("Open requests per status"),
    PanelType.OpenRequestsPerOrigin: N_("Open requests per origin"),
    PanelType.NumberOfCreatedRequestsPerDay: N_("Created requests per day"),
    PanelType.NumberOfCreatedRequestsPerWeek: N_("Created requests per week"),
    PanelType.NumberOfCreatedRequestsPerMonth: N_("Created requests per month"),
    PanelType.UserResponseTimePerDay: N_("Response time per day"),
    PanelType.UserReponseTimePerWeek: N_("Response time per week"),
    PanelType.UserResponseTimePerMonth: N_("Response time per month"),
    PanelType.OwnOpenRequests: N_("Own open requests"),
    PanelType.UnassignedRequests: N_("Unassigned requests"),
    PanelType.Hotlist: N_("Hotlist"),
    PanelType.StatusScreen: N_("Status"),
}


def panel_title(panel: PanelType | None, title: str) -> str:
    """`title` as the wall shows it: a panel's own (English) title in the wall's language, any
    other (the operator's, from statusboard.toml) as written."""
    if panel is not None and title == panel.title and panel in PANEL_TITLES:
        return gettext(PANEL_TITLES[panel])
    return title
