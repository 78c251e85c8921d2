"""The short examples in the docstrings of stats_client and board are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import board
import stats_client


def modules() -> list[str]:
    names = []
    for package in (stats_client, board):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", modules())
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
