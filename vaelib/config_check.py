"""Field checks for the frozen config dataclasses: a wrong type or an impossible value fails when the config is
built (from code, a CLI flag or a config file), with the field's name, instead of deep inside training.

A float field accepts an int and keeps it as given: run names hash the config as written, and existing runs must
keep their names.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any

from vaelib.errors import ConfigError


def _kind(hint: Any) -> tuple[Any, bool]:
    """(the type without None, whether None is allowed)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return (args[0] if len(args) == 1 else Any), len(args) < len(typing.get_args(hint))
    return hint, False


def _scalar(owner: str, name: str, hint: Any, value: Any) -> Any:
    """`value` checked against a scalar type (int, float, str, bool) or a `Literal[...]` of choices."""
    if typing.get_origin(hint) is typing.Literal:
        options = typing.get_args(hint)
        if value not in options:
            raise ConfigError(f"{owner}: {name} must be one of {', '.join(map(str, options))}, got {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{owner}.{name} must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{owner}.{name} must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ConfigError(f"{owner}.{name} must be a finite number, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{owner}.{name} must be a string, got {value!r}")
        return value
    return value  # Any and other types are the owner's business


def check_types(cfg: Any) -> None:
    """Check every field of the dataclass `cfg` against its annotation (lists become tuples)."""
    owner = type(cfg).__name__
    for name, hint in typing.get_type_hints(type(cfg)).items():
        if name not in cfg.__dataclass_fields__:
            continue
        value = getattr(cfg, name)
        base, optional = _kind(hint)
        if value is None:
            if not optional and base is not Any:
                raise ConfigError(f"{owner}.{name} must be set, got None")
            continue
        if typing.get_origin(base) is tuple:
            args = typing.get_args(base)
            if not isinstance(value, list | tuple):
                raise ConfigError(f"{owner}.{name} must be a list, got {value!r}")
            if len(args) == 2 and args[1] is Ellipsis:
                items = [_scalar(owner, name, args[0], v) for v in value]
            else:
                if len(value) != len(args):
                    raise ConfigError(f"{owner}.{name} must have {len(args)} entries, got {value!r}")
                items = [_scalar(owner, name, a, v) for a, v in zip(args, value, strict=True)]
            value = tuple(items)
        else:
            value = _scalar(owner, name, base, value)
        object.__setattr__(cfg, name, value)  # frozen dataclasses: lists from JSON become tuples


def require(cfg: Any, ok: bool, message: str) -> None:
    """Raise ConfigError(`Owner: message`) unless `ok`."""
    if not ok:
        raise ConfigError(f"{type(cfg).__name__}: {message}")


def choices(cls: type, name: str) -> tuple[Any, ...]:
    """The options of the `Literal[...]` field `name` of the dataclass `cls` (what the CLI offers for it)."""
    base, _ = _kind(typing.get_type_hints(cls)[name])
    if typing.get_origin(base) is not typing.Literal:
        raise TypeError(f"{cls.__name__}.{name} is not a Literal field")
    return typing.get_args(base)
