"""Options declared once: a dataclass field carries its flag, type, default,
range, choices and help in its metadata.

The library checks values against that declaration (:func:`check`) and the
command line builds its Click options from it (``w2v_cli.cli.declared``), so a
new option is one field, and ``--help`` shows the default the library uses.
A default that depends on other options is ``None`` in the field and its
``rule`` (a phrase such as "0.025; 0.05 with --model cbow") is what ``--help``
shows; the code that settles it says so next to the rule.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any, Optional, Sequence

from .errors import W2VError


def option(default: Any, help: str, *, flags: Sequence[str] = (), low=None, high=None, integer: bool = False,
           choices: Optional[Sequence[str]] = None, rule: Optional[str] = None, flag: bool = False,
           kind: Optional[type] = None, cli: bool = True):
    """A dataclass field declaring one option.

    ``flags``: extra spellings beside ``--field-name`` (e.g. word2vec.c's
    ``--size``); ``low``/``high``: inclusive bounds (None: unbounded);
    ``integer``: whole numbers only; ``choices``: the accepted strings;
    ``rule``: the derived default's description (``default`` is then None);
    ``flag``: a boolean switch; ``kind``: the value's type where neither the
    default nor the bounds say it; ``cli``: False for library-only options."""
    meta = dict(help=help, flags=tuple(flags), low=low, high=high, integer=integer,
                choices=tuple(choices) if choices else None, rule=rule, flag=flag, kind=kind, cli=cli)
    return dataclasses.field(default=default, metadata=meta)


def flag_of(field: dataclasses.Field) -> str:
    return "--" + field.name.replace("_", "-")


def allowed(field: dataclasses.Field) -> Optional[str]:
    """What a numeric option accepts, e.g. 'an integer in [1, 10000]'."""
    m = field.metadata
    if m.get("low") is None and m.get("high") is None:
        return None
    hi = "inf" if m["high"] is None else m["high"]
    return f"{'an integer' if m['integer'] else 'a number'} in [{m['low']}, {hi}]"


def fields_of(cls) -> dict:
    """The declared fields of an options dataclass, by name."""
    return {f.name: f for f in dataclasses.fields(cls) if "help" in f.metadata}


def check(obj) -> None:
    """Refuse, in one line, any field of ``obj`` outside its declared range or choices."""
    for f in fields_of(type(obj)).values():
        value = getattr(obj, f.name)
        if value is None:
            continue
        m = f.metadata
        if m["choices"]:
            if value not in m["choices"]:
                listed = ", ".join(repr(c) for c in m["choices"])
                raise W2VError(f"{flag_of(f)} must be one of {listed}, got {value!r}")
            continue
        if m["flag"]:
            if not isinstance(value, bool):
                raise W2VError(f"{flag_of(f)} must be True or False, got {value!r}")
            continue
        if m["low"] is None and m["high"] is None:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise W2VError(f"{flag_of(f)} must be {allowed(f)}, got {value!r}")
        if (m["integer"] and not isinstance(value, numbers.Integral)) or value != value \
                or (m["low"] is not None and value < m["low"]) or (m["high"] is not None and value > m["high"]):
            raise W2VError(f"{flag_of(f)} must be {allowed(f)}, got {value}")
