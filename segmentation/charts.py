"""Render charts offline (SVG for the report, PNG for slides) and pick the charts a report shows.

Each stage builds its own charts (``segments/charts.py``, ``economics/charts.py``,
``service/charts.py``) from result objects; this module only gathers and renders them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import vl_convert as vlc

if TYPE_CHECKING:
    from segmentation.result import AnalysisResult


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Return the chart as standalone SVG text, rendered locally (no browser, no network)."""
    return str(vlc.vegalite_to_svg(chart.to_dict()))


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """Return the chart as a PNG image at `scale` × its size (2 suits slides)."""
    return bytes(vlc.vegalite_to_png(chart.to_dict(), scale=scale))


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


def segment_colours(names: list[str]) -> alt.Scale:
    """Return the colour scale for segments in id order: the same segment gets the same colour everywhere."""
    colours = (SEGMENT_PALETTE + SEGMENT_PALETTE_EXTRA) * (len(names) // 12 + 1)
    return alt.Scale(domain=list(names), range=colours[: len(names)])
