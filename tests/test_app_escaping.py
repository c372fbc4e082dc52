"""User text never becomes live Markdown: one escaping helper, and a scan of every page for calls that skip it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app_support import inert
from tests.conftest import ROOT

# Streamlit calls whose text (first argument, or `label`/`body`) is rendered as Markdown.
MARKDOWN_CALLS = {
    "markdown",
    "caption",
    "write",
    "info",
    "warning",
    "success",
    "error",
    "toast",
    "title",
    "header",
    "subheader",
    "expander",
    "metric",
    "popover",
}
# Calls whose result is safe to interpolate: the helper itself and number formatters.
SAFE_CALLS = {
    "inert",
    "format_count",
    "format_money",
    "format_share",
    "format_ratio",
    "format_number",
    "plural",
    "len",
    "int",
    "round",
    "money",
    "file_label",
}
NUMERIC_ATTRIBUTES = {"id", "n_customers", "top_n", "rows_read", "customers"}
"""Attributes that hold counts or ids (ints) on the result objects."""
SCANNED = [ROOT / "app.py", *sorted((ROOT / "app_support").glob("*.py")), *sorted((ROOT / "pages").glob("*.py"))]


def _call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _safe(node: ast.expr | None) -> bool:
    """True when `node` can only produce literal text, numbers, or text passed through `inert`."""
    if node is None or isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(_safe(part) for part in node.values)
    if isinstance(node, ast.FormattedValue):
        # A numeric format ({x:.2f}, {n:,}) fails on text, so what it formats is a number.
        return node.format_spec is not None or _safe(node.value)
    if isinstance(node, ast.Attribute) and node.attr in NUMERIC_ATTRIBUTES:
        return True
    if isinstance(node, ast.BoolOp):
        return all(_safe(value) for value in node.values)
    if isinstance(node, ast.BinOp):
        return _safe(node.left) and _safe(node.right)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id.isupper():
        return True  # a module constant's entry: text written in the code
    if isinstance(node, ast.IfExp):
        return _safe(node.body) and _safe(node.orelse)
    if isinstance(node, ast.Call):
        name = _call_name(node.func)
        if name in SAFE_CALLS:
            return True
        if name == "join" and isinstance(node.func, ast.Attribute) and _safe(node.func.value):
            return all(_safe_items(arg) for arg in node.args)
    return False


def _safe_items(node: ast.expr) -> bool:
    if isinstance(node, ast.GeneratorExp | ast.ListComp):
        return _safe(node.elt)
    if isinstance(node, ast.List | ast.Tuple):
        return all(_safe(item) for item in node.elts)
    return False


def unescaped_calls(path: Path, base: Path = ROOT) -> list[str]:
    """Return 'file:line call' for each Markdown-rendering call given text that is not provably inert."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in MARKDOWN_CALLS:
            continue
        texts = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in ("body", "label")]
        if node.func.attr == "write":
            texts = list(node.args)
        for text in texts:
            if not _safe(text):
                found.append(f"{path.relative_to(base)}:{node.lineno} {node.func.attr}({ast.unparse(text)[:60]})")
    return found


def test_no_page_passes_user_text_to_markdown_unescaped() -> None:
    problems = [problem for path in SCANNED for problem in unescaped_calls(path)]
    assert problems == [], "\n".join(problems)


def test_the_scan_catches_an_unescaped_call(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "import streamlit as st\nname = 'x'\nst.caption(f'File: {name}')\nst.markdown(name)\n"
        "st.caption(f'File: {inert(name)}, {format_count(3)} rows')\n"
        "st.write('- ' + ', '.join(inert(n) for n in [name]))\n"
    )
    found = [line.split(" ", 1)[1] for line in unescaped_calls(page, tmp_path)]
    assert found == ["caption(f'File: {name}')", "markdown(name)"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[click me](https://example.invalid)", r"\[click me\]\(https\://example\.invalid\)"),
        ("**bold**", r"\*\*bold\*\*"),
        (":red[alarm]", r"\:red\[alarm\]"),
        (":material/home:", r"\:material/home\:"),
        ("$x^2$", r"\$x^2\$"),
        ("# heading\n- item", r"\# heading \- item"),
        ("<b>x</b> &amp;", r"\<b\>x\</b\> \&amp;"),
        ("ACC_001", r"ACC\_001"),
    ],
)
def test_inert_escapes_every_markdown_construct(text: str, shown: str) -> None:
    assert inert(text) == shown
