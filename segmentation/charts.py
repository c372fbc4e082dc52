"""Render charts offline (SVG for the report, PNG for slides) and pick the charts a report shows.

Each stage builds its own charts (``segments/charts.py``, ``economics/charts.py``,
``service/charts.py``) from result objects; this module only gathers and renders them.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any, cast

import altair as alt
import numpy as np
import pandas as pd
import vl_convert as vlc

if TYPE_CHECKING:
    from segmentation.result import AnalysisResult


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Return the chart as standalone SVG text, rendered locally (no browser, no network).

    The spec is not checked against the Vega-Lite schema here: loading and walking the schema cost
    0.4 s of a command-line report's 1.9 s, for charts this package builds and its tests check
    (`tests/test_report.py::test_every_report_chart_is_a_valid_vega_lite_spec`).
    """
    return str(vlc.vegalite_to_svg(chart.to_dict(validate=False)))


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """Return the chart as a PNG image at `scale` × its size (2 suits slides); unchecked as in `to_svg`."""
    return bytes(vlc.vegalite_to_png(chart.to_dict(validate=False), scale=scale))


def report_charts(result: AnalysisResult) -> dict[str, alt.TopLevelMixin]:
    """Return the charts that tell the story, by name, in reading order."""
    from segmentation.economics import charts as money_charts  # noqa: PLC0415
    from segmentation.segments import charts as segment_charts  # noqa: PLC0415
    from segmentation.service import charts as service_charts  # noqa: PLC0415

    unit = result.revenue_unit
    return {
        "segment_map": segment_charts.segment_map(
            result.features, result.segmentation, seed=result.config.segmentation.seed
        ),
        "profile_heatmap": segment_charts.profile_heatmap(result.segmentation),
        "pareto": money_charts.pareto(result.concentration, unit),
        "lorenz": money_charts.lorenz(result.concentration),
        "segment_shares": money_charts.segment_shares(result.economics),
        "service_grid": service_charts.service_grid(result.service),
        "capacity": service_charts.capacity(result.service),
    }


CHART_TITLES = {
    "segment_map": "Map of customers by segment",
    "profile_heatmap": "What sets each segment apart",
    "pareto": "Pareto: the largest customers' share of revenue",
    "lorenz": "Lorenz curve and Gini",
    "segment_shares": "Revenue share against customer share per segment",
    "service_grid": "Service-model grid",
    "capacity": "Service capacity against demand",
}
"""Plain names of the report charts, for download buttons and captions."""


SEGMENT_PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
"""Okabe–Ito colours, told apart by colour-blind readers; the app and the report draw segments with them."""
SEGMENT_PALETTE_EXTRA = ["#7F7F7F", "#8C564B", "#17BECF", "#BCBD22"]
"""Further distinct colours (Tableau 10) once the eight Okabe–Ito ones are used."""
AXIS_LABEL_LIMIT = 140
"""Longest axis label in pixels before Vega-Lite cuts it with an ellipsis (labels never overprint)."""
NARROWEST_CHART = 420
"""Narrowest the app draws a chart, in pixels: a row of charts wraps to fewer per row below it."""
TITLE_LINE_CHARS = 50
"""Longest line of a chart, axis or legend title, in characters, before it wraps onto the next line.

50 characters of the bold title font (about 7.2 px each) fit in `NARROWEST_CHART` less the 40 px
Streamlit keeps free (it cuts a longer line with "…").
"""
LEGEND_COLUMNS = 2
"""Legend entries per row under a chart: two names of `AXIS_LABEL_LIMIT` px fit the narrowest chart."""


TEXT_ON_EITHER_THEME = "#8C8C8C"
"""Chart text without a colour of its own (e.g. a bar's value above it), in the app: a mid grey that reads
on the light theme's white (3.4:1) and the dark theme's near-black (5.4:1) alike (Streamlit's chart theme
colours the axes and legends, not text marks)."""
INK_ON_DARK = "white"
INK_ON_LIGHT = "black"


def cell_ink(values: pd.Series, *, dark_from: float = 0.6) -> pd.Series:
    """The text colour for each heatmap cell: white where the cell's colour is strong (|value| at least
    `dark_from` of the largest |value|, the dark end of the scale), black elsewhere; readable on either theme,
    as the text sits on the cell, not on the page."""
    size = pd.to_numeric(values, errors="coerce").abs()
    top = float(size.max()) if size.notna().any() else 0.0
    strong = (size >= dark_from * top) & (top > 0)
    return pd.Series(np.where(strong, INK_ON_DARK, INK_ON_LIGHT), index=values.index)


def cell_ink_colour() -> Any:
    """The text colour encoding that reads a cell's `ink` column (see `cell_ink`): a condition on the value,
    not a scale, so it never merges with the colour scale of the cells beneath."""
    return alt.condition(alt.datum.ink == INK_ON_DARK, alt.value(INK_ON_DARK), alt.value(INK_ON_LIGHT))


def segment_colours(names: list[str]) -> alt.Scale:
    """Return the colour scale for segments in id order: the same segment gets the same colour everywhere."""
    colours = (SEGMENT_PALETTE + SEGMENT_PALETTE_EXTRA) * (len(names) // 12 + 1)
    return alt.Scale(domain=list(names), range=colours[: len(names)])


AppChart = (
    alt.Chart
    | alt.LayerChart
    | alt.ConcatChart
    | alt.HConcatChart
    | alt.VConcatChart
    | alt.FacetChart
    | alt.RepeatChart
)
"""A top-level chart as `st.altair_chart` takes it (what `fit_to_width` returns)."""


def fit_to_width(chart: alt.TopLevelMixin) -> AppChart:
    """Return a copy of `chart` that reads at any width it is stretched to, for the app.

    The width follows the container and the height stays the plot's; titles longer than `TITLE_LINE_CHARS`
    wrap onto further lines instead of being cut; axis labels are cut at `AXIS_LABEL_LIMIT` px and those
    that would still touch are left out (never overprinted); legends sit under the chart, `LEGEND_COLUMNS`
    entries a row, so the plot keeps the chart's width. The report and the slide images keep the charts
    as built.
    """
    fitted = chart.copy(deep=True)  # type: ignore[attr-defined]  # every top-level chart is a SchemaBase
    _wrap_titles(fitted)
    if isinstance(fitted, alt.Chart | alt.LayerChart):
        # Stretch the width only: a chart's height stays its plot's, as in the report. (Streamlit's default
        # fits the height too, so the title, axes and legend came out of the plot: a 160 px chart was a strip.)
        fitted.autosize = alt.AutoSizeParams(type="fit-x", contains="padding")
    return cast(
        "AppChart",
        fitted.configure_axis(  # type: ignore[attr-defined]
            labelLimit=AXIS_LABEL_LIMIT, labelOverlap="greedy", labelSeparation=4
        )
        .configure_legend(orient="bottom", columns=LEGEND_COLUMNS, labelLimit=AXIS_LABEL_LIMIT, titleLimit=0)
        .configure_text(color=TEXT_ON_EITHER_THEME),
    )


def _wrapped(text: str) -> str | list[str]:
    """Return `text` as it is when it fits one title line, else as the fewest lines of about equal length."""
    if len(text) <= TITLE_LINE_CHARS:
        return text
    lines = textwrap.wrap(text, TITLE_LINE_CHARS, break_long_words=False)
    for width in range(-(-len(text) // len(lines)), TITLE_LINE_CHARS):
        even = textwrap.wrap(text, width, break_long_words=False)
        if len(even) == len(lines):
            return even
    return lines


def _wrap_titles(node: Any) -> None:
    """Wrap every title (chart, axis, legend, facet header) in the chart's objects, in place; tooltips keep theirs."""
    if isinstance(node, list):
        for item in node:
            _wrap_titles(item)
        return
    if not isinstance(node, alt.SchemaBase | dict):
        return
    items = node._kwds if isinstance(node, alt.SchemaBase) else node
    for key, value in items.items():
        if key in ("data", "datasets", "tooltip"):
            continue
        if (
            key in ("title", "text")
            and isinstance(value, str)
            and (key == "title" or isinstance(node, alt.TitleParams))
        ):
            items[key] = _wrapped(value)
        else:
            _wrap_titles(value)
