"""The short examples in the docstrings of stats_client, statusboard, board and netserver_demo are
run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import board
import netserver_demo
import stats_client
import statusboard


def modules() -> list[str]:
    names = []
    for package in (stats_client, statusboard, board, netserver_demo):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", modules())
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
