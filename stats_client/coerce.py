"""Text from the environment → typed values, or a `ConfigurationError` naming the variable.

Shared by the NetServer settings (SUPEROFFICE_*) and the board's knobs (STATUSBOARD_*), so a
wrong value reads the same wherever it is set.

    >>> seconds("STATUSBOARD_INTERVAL", " 2.5 ", minimum=1)
    2.5
    >>> seconds("STATUSBOARD_INTERVAL", "soon", minimum=1)
    Traceback (most recent call last):
    ...
    stats_client.errors.ConfigurationError: STATUSBOARD_INTERVAL must be a number of seconds, ...
"""

from __future__ import annotations

import math

from .errors import ConfigurationError

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _refuse(var: str, what: str, raw: str) -> ConfigurationError:
    return ConfigurationError(f'{var} must be {what}; got "{raw.strip()}".')


def seconds(var: str, raw: str, *, minimum: float | None = None,
            maximum: float | None = None) -> float:
    """A finite number of seconds, at least `minimum` and at most `maximum` when given.

    >>> try:
    ...     seconds("STATUSBOARD_INTERVAL", "1e12", minimum=1, maximum=86400)
    ... except ConfigurationError as exc:
    ...     print(str(exc)[-41:])
    at least 1 and at most 86400; got "1e12".
    """
    what = "a number of seconds"
    if minimum is not None:
        what += f", at least {minimum:g}"
    if maximum is not None:
        what += f" and at most {maximum:g}" if minimum is not None else f", at most {maximum:g}"
    try:
        value = float(raw)
    except ValueError:
        raise _refuse(var, what, raw) from None
    if not math.isfinite(value) or (minimum is not None and value < minimum) or (
            maximum is not None and value > maximum):
        raise _refuse(var, what, raw)
    return value


def whole_number(var: str, raw: str, *, minimum: int | None = None) -> int:
    """A whole number (no sign games, no exponent), at least `minimum` when one is given.

    >>> whole_number("SUPEROFFICE_MAX_REPLY_BYTES", "4096")
    4096
    """
    what = "a whole number" + (f", at least {minimum}" if minimum is not None else "")
    try:
        value = int(raw)
    except ValueError:
        raise _refuse(var, what, raw) from None
    if minimum is not None and value < minimum:
        raise _refuse(var, what, raw)
    return value


def boolean(var: str, raw: str) -> bool:
    """true/false, yes/no, on/off or 1/0, in any case.

    >>> boolean("SUPEROFFICE_VERIFY_TLS", "No")
    False
    """
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise _refuse(var, "true or false", raw)
