"""The gettext catalogs (statusboard/locales) against the code: every message the board's code
marks for translation (the wall's in board/, the alert messages' in statusboard/) is in every
language's catalog, translated, not fuzzy, with the same {placeholders}; no catalog holds a
message the code no longer has. `make catalogs` brings them up to date (then translate what it
left empty or fuzzy)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from statusboard import texts
from statusboard.texts import LANGUAGES

REPO = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


#: Where `make catalogs` extracts from (its `pybabel extract … board statusboard`).
SOURCES = ("board", "statusboard")


def code_messages() -> set[str | tuple[str, str]]:
    """Every message in board/ and statusboard/, as `make catalogs` extracts it (babel.cfg,
    keyword N_ too)."""
    method_map = [("**.py", "python")]
    found: set[str | tuple[str, str]] = set()
    for source in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
                REPO / source, method_map, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def catalog(lang: str) -> Catalog:
    with texts.catalog_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


CODE = code_messages()


def test_the_code_has_the_messages_the_board_writes() -> None:
    # A sample: the header, a tile's words, a plural, a chart title with its period, the
    # alert messages (statusboard/alerts.py, below the view) and the digest's.
    assert {"Updated {time}", "for {duration}", ("{n} day ago", "{n} days ago"),
            "Response time per day by handler", "Response time per month by handler",
            "{desk}: {panel} is {level}", "Resolved: {what}",
            "{desk} cannot reach its history store", "{desk}: the day so far ({date}, {time})",
            "Created today", "{figure}: {value} ({change} against last {weekday})"} <= CODE


def test_the_board_has_a_catalog_for_each_language_and_english_is_the_default() -> None:
    assert set(LANGUAGES) == {"en", "nb", "sv", "da", "de", "nl"}
    assert LANGUAGES[0] == "en"
    for lang in LANGUAGES:
        assert texts.catalog_path(lang).is_file(), lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_of_the_code_is_translated_and_nothing_else_is_in_the_catalog(
        lang: str) -> None:
    cat = catalog(lang)
    held = {m.id if isinstance(m.id, str) else m.id[0]: m for m in cat if m.id}
    keys = {m if isinstance(m, str) else m[0]: m for m in CODE}
    missing = sorted(k for k in keys if k not in held)
    extra = sorted(k for k in held if k not in keys)
    assert missing == [], f"{lang}: not in the catalog (run `make catalogs`): {missing}"
    assert extra == [], f"{lang}: no longer in the code (run `make catalogs`): {extra}"
    assert not cat.obsolete, f"{lang}: obsolete entries: {list(cat.obsolete)}"
    problems = []
    for m in held.values():
        ids = (m.id,) if isinstance(m.id, str) else tuple(m.id)
        strings = (m.string,) if isinstance(m.string, str) else tuple(m.string)
        if m.fuzzy:
            problems.append(f"fuzzy: {m.id!r}")
        if not all(strings) or len(strings) != (1 if len(ids) == 1 else cat.num_plurals):
            problems.append(f"untranslated: {m.id!r}")
            continue
        want = set().union(*(fields(i) for i in ids))
        for s in strings:
            if fields(s) != want and not (len(ids) > 1 and fields(s) <= want):
                problems.append(f"placeholders {sorted(fields(s))} ≠ {sorted(want)}: {m.id!r}")
    assert problems == [], f"{lang}:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_catalog_has_its_languages_plural_rule(lang: str) -> None:
    cat = catalog(lang)
    assert cat.num_plurals == 2
    with texts.use(lang):
        one, many = (texts.ngettext("{n} day ago", "{n} days ago", n) for n in (1, 3))
    assert one != many


@pytest.mark.parametrize(("lang", "one", "three"), [
    ("en", "1 day ago", "3 days ago"), ("nb", "1 dag siden", "3 dager siden"),
    ("sv", "för 1 dag sedan", "för 3 dagar sedan"), ("da", "1 dag siden", "3 dage siden"),
    ("de", "vor 1 Tag", "vor 3 Tagen"), ("nl", "1 dag geleden", "3 dagen geleden"),
])
def test_plural_forms_are_the_languages_own(lang: str, one: str, three: str) -> None:
    with texts.use(lang):
        got = [texts.ngettext("{n} day ago", "{n} days ago", n).format(n=n) for n in (1, 3)]
    assert got == [one, three]


def test_an_unknown_language_is_english() -> None:
    with texts.use("fr") as used:
        assert used == "en"
        assert texts.gettext("Updated {time}") == "Updated {time}"


def test_the_make_target_refreshes_the_catalogs_the_way_this_test_reads_them() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^catalogs:", makefile, re.M)
    assert "pybabel extract -F babel.cfg -k N_" in makefile
    assert re.search(r"-o statusboard/locales/statusboard\.pot " + " ".join(SOURCES) + "$",
                     makefile, re.M)
    assert "pybabel update" in makefile
    assert "--ignore-obsolete" in makefile
