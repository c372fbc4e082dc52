"""User text shown on a page: escaped so that nothing in it is live Markdown."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&])")


def inert(value: object) -> str:
    """Return user text (file, column, category and segment names…) to show literally in Markdown.

    Every character that Streamlit's Markdown would read as a link, emphasis, heading, list,
    colour or icon directive (``:red[…]``, ``:material/…:``), emoji shortcode or LaTeX (``$``) is
    backslash-escaped, and line breaks become spaces, so the text shows as typed and nothing
    in it is live. Use it for every non-literal string passed to ``st.markdown``, ``st.caption``,
    ``st.write``, ``st.info``/``warning``/``success``/``error``, headers, expander and metric labels.
    """
    text = " ".join(str(value).splitlines())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
