"""Click options built from an options dataclass's declarations (w2v_cli.declare):
the flag, type, default, choices and help are the field's; nothing is restated."""

from __future__ import annotations

import click

from ..declare import allowed, fields_of, flag_of


def default_text(field) -> str:
    """What ``--help`` shows as the field's default: its value, or its rule."""
    m = field.metadata
    if m["rule"] is not None:
        return m["rule"]
    if m["flag"]:
        return "off" if not field.default else "on"
    return str(field.default)


def _click_type(field):
    m = field.metadata
    if m["kind"] is not None:
        return m["kind"]
    if m["choices"]:
        return click.Choice(m["choices"])
    if m["integer"]:
        return int
    if m["low"] is not None or m["high"] is not None:
        return float
    return type(field.default) if field.default is not None else str


def click_options(cls, order=None):
    """A decorator adding one Click option per declared field of ``cls``
    (those with ``cli=True``), named after the field, in declaration order (or
    ``order``, a list of field names)."""
    fields = fields_of(cls)
    chosen = [fields[n] for n in (order or fields)]

    def decorate(command):
        for field in reversed([f for f in chosen if f.metadata["cli"]]):
            m = field.metadata
            decls = [flag_of(field), *m["flags"], field.name]
            help_text = f"{m['help']}  [default: {default_text(field)}]"
            if m["flag"]:
                command = click.option(*decls, is_flag=True, default=bool(field.default), help=help_text)(command)
            else:
                command = click.option(*decls, type=_click_type(field), default=field.default,
                                       help=help_text)(command)
        return command
    return decorate


def range_hint(exc: click.BadParameter, *classes) -> str:
    """Click's message, plus the allowed range when a declared numeric option
    could not be parsed ('--dim abc')."""
    message = exc.format_message()
    param = getattr(exc, "param", None)
    if param is None or not param.name:
        return message
    for cls in classes:
        field = fields_of(cls).get(param.name)
        if field is not None and allowed(field):
            return f"{message.rstrip('.')}; {flag_of(field)} must be {allowed(field)}"
    return message
