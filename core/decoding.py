"""Decoding untrusted network payloads so that nothing but one exception type can come out.

Every decoder of network input (face frames, commands, the layout, statuses, perception, the simulator's
WebSocket, ...) reads bytes a stranger may have written. Python's ``json`` accepts ``Infinity`` and ``NaN``,
recurses into nesting until ``RecursionError``, and ``int(float("inf"))`` raises ``OverflowError``: each of those
used to escape a decoder as a traceback per message. The helpers here close those holes in one place:

* ``json_object`` parses with a size limit, refuses non-finite constants and nesting deeper than a limit, and
  requires a JSON object;
* ``get_int``, ``get_float``, ``get_bool``, ``get_str`` and ``get_list`` read one field with its type and range
  (a bool is not an int, a number must be finite);
* ``total_decoder`` wraps a decoder so that any exception it lets out (a bug included) becomes the decoder's own
  error type, which receivers count and drop (``companion.core.drops.DropCounter``).

New decoders should use these rather than ``json.loads`` and bare casts; ``tests/core/test_decoding.py`` and the
fuzz tests of each decoder (hypothesis) hold them to it.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

MAX_JSON_BYTES = 64 * 1024  # a command, a status or a JSON frame is far smaller
MAX_JSON_DEPTH = 8  # the deepest message of the face protocol nests 3 levels
MAX_STR = 256

P = ParamSpec("P")
T = TypeVar("T")
_MISSING: Any = object()


class MalformedPayloadError(ValueError):
    """A payload that cannot be decoded. Receivers count and drop it; it is never a crash."""


def _refuse_constant(name: str) -> Any:
    raise MalformedPayloadError(f"{name} is not a finite number")


def json_object(
    payload: bytes | str,
    *,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    what: str = "message",
) -> dict[str, Any]:
    """``payload`` parsed as one JSON object, or ``MalformedPayloadError``: too large, not UTF-8, not JSON,
    ``NaN``/``Infinity``, nested deeper than ``max_depth`` or not an object."""
    if len(payload) > max_bytes:
        raise MalformedPayloadError(f"{what} of {len(payload)} bytes is over the {max_bytes}-byte limit")
    try:
        data = json.loads(payload, parse_constant=_refuse_constant)
    except MalformedPayloadError:
        raise
    except ValueError as error:  # not UTF-8, not JSON, an integer of more digits than Python converts
        raise MalformedPayloadError(f"{what} is not JSON: {error}") from None
    except RecursionError:
        raise MalformedPayloadError(f"{what} nests deeper than {max_depth} levels") from None
    if not isinstance(data, dict):
        raise MalformedPayloadError(f"{what} is not a JSON object")
    if _depth(data, max_depth) > max_depth:
        raise MalformedPayloadError(f"{what} nests deeper than {max_depth} levels")
    return data


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON (an object or list counts one level), looked at no deeper than ``limit + 1``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, level)
        if level > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _get(data: Mapping[str, Any], key: str, default: Any) -> Any:
    if key in data:
        return data[key]
    if default is _MISSING:
        raise MalformedPayloadError(f"'{key}' is missing")
    return _DEFAULTED


class _Defaulted:
    """Marks a missing field whose default the getter returns as it is (``None`` included)."""


_DEFAULTED: Any = _Defaulted()


def get_int(
    data: Mapping[str, Any],
    key: str,
    default: Any = _MISSING,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """An integer field. An integral float (``42.0``) is accepted; a bool, a fraction or a non-number is not."""
    value = _get(data, key, default)
    if value is _DEFAULTED:
        return default  # type: ignore[no-any-return]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedPayloadError(f"'{key}' must be an integer, not {type(value).__name__}")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise MalformedPayloadError(f"'{key}' must be an integer")
        value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise MalformedPayloadError(f"'{key}' is out of range [{minimum}, {maximum}]")
    return value


def get_float(
    data: Mapping[str, Any],
    key: str,
    default: Any = _MISSING,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    """A finite number field, optionally within [minimum, maximum]."""
    value = _get(data, key, default)
    if value is _DEFAULTED:
        return default  # type: ignore[no-any-return]
    return finite_number(value, key, minimum=minimum, maximum=maximum)


def finite_number(value: Any, name: str, *, minimum: float | None = None, maximum: float | None = None) -> float:
    """``value`` as a finite float; ``MalformedPayloadError`` for a bool, a non-number, a non-finite or out-of-range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedPayloadError(f"'{name}' must be a number, not {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        raise MalformedPayloadError(f"'{name}' is too large") from None
    if not math.isfinite(number):
        raise MalformedPayloadError(f"'{name}' is not a finite number")
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise MalformedPayloadError(f"'{name}' is out of range [{minimum}, {maximum}]")
    return number


def get_bool(data: Mapping[str, Any], key: str, default: Any = _MISSING) -> bool:
    """A true JSON boolean (``"false"`` or ``0`` are not)."""
    value = _get(data, key, default)
    if value is _DEFAULTED:
        return default  # type: ignore[no-any-return]
    if not isinstance(value, bool):
        raise MalformedPayloadError(f"'{key}' must be true or false, not {type(value).__name__}")
    return value


def get_str(data: Mapping[str, Any], key: str, default: Any = _MISSING, *, max_length: int = MAX_STR) -> str:
    value = _get(data, key, default)
    if value is _DEFAULTED:
        return default  # type: ignore[no-any-return]
    if not isinstance(value, str):
        raise MalformedPayloadError(f"'{key}' must be a string, not {type(value).__name__}")
    if len(value) > max_length:
        raise MalformedPayloadError(f"'{key}' is longer than {max_length} characters")
    return value


def get_list(data: Mapping[str, Any], key: str, default: Any = _MISSING, *, max_items: int = 1024) -> list[Any]:
    value = _get(data, key, default)
    if value is _DEFAULTED:
        return default  # type: ignore[no-any-return]
    if not isinstance(value, list):
        raise MalformedPayloadError(f"'{key}' must be a list, not {type(value).__name__}")
    if len(value) > max_items:
        raise MalformedPayloadError(f"'{key}' has more than {max_items} items")
    return value


def get_object(data: Mapping[str, Any], key: str, default: Any = _MISSING, *, max_items: int = 1024) -> dict[str, Any]:
    value = _get(data, key, default)
    if value is _DEFAULTED:
        return default  # type: ignore[no-any-return]
    if not isinstance(value, dict):
        raise MalformedPayloadError(f"'{key}' must be an object, not {type(value).__name__}")
    if len(value) > max_items:
        raise MalformedPayloadError(f"'{key}' has more than {max_items} keys")
    return value


def total_decoder(error: type[MalformedPayloadError]) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Make a decoder total: whatever it raises (a bug, a ``MemoryError`` on a huge input) comes out as ``error``.

    The decoder's own ``error`` passes through unchanged; ``MalformedPayloadError`` from the helpers above and any other
    ``Exception`` are re-raised as ``error`` with their message, without the chain (receivers log one line).
    """

    def wrap(decoder: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(decoder)
        def decode(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return decoder(*args, **kwargs)
            except error:
                raise
            except MalformedPayloadError as problem:
                raise error(str(problem)) from None
            except Exception as problem:  # the guarantee: a decoder of network input never lets anything else out
                raise error(f"undecodable ({type(problem).__name__}: {problem})") from None

        return decode

    return wrap
