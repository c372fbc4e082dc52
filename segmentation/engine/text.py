"""Text as every engine reads it the same: trimmed of the whitespace Python's ``str.strip`` removes.

Ibis' ``strip()`` cannot be used: on Spark it compiles to ``TRIM(' \\t\\n\\r\\v\\f' FROM x)``, and Spark's
SQL parser reads the escapes ``\\v`` and ``\\f`` as the letters ``v`` and ``f``, so an ID such as
``A-0a282f`` lost its last letter on Spark and kept it on DuckDB (and ``lstrip``/``rstrip`` trim only
spaces there). Regular expressions written with ``\\x{…}`` escapes mean the same in DuckDB's RE2 and
in Java's regex, whereas ``\\s`` does not (Java's includes the vertical tab, RE2's does not).
"""

from __future__ import annotations

import ibis.expr.types as ir

SPACE = (
    r"\x{9}-\x{d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
"""The characters for which Python's ``str.isspace`` is true (what the single-machine reader trims), as the
inside of a regex character class that RE2 (DuckDB) and Java (Spark) read alike."""
_EDGES = rf"^[{SPACE}]+|[{SPACE}]+$"


def trimmed(column: ir.Value) -> ir.StringValue:
    """`column` as text without leading or trailing whitespace, the same on every engine (blanks stay "").

    Numbers and dates cast to text have no whitespace to trim, so only text goes through the expression."""
    cast = column.cast("string")
    return cast.re_replace(_EDGES, "") if column.type().is_string() else cast


def text(column: ir.Value) -> ir.StringValue:
    """`column` as trimmed text, blanks as NULL."""
    return trimmed(column).nullif("")
