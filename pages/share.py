"""Share: the offline report, exports, charts for slides, saved settings and the share link."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

import app_support as support
from segmentation.charts import CHART_TITLES, fit_to_width, report_charts, to_png, to_svg
from segmentation.config import AnalysisConfig, SourceFingerprint
from segmentation.errors import InputError

support.page_guard(__file__)
st.title("Share")
st.caption(
    "Everything here leaves the app intact: the report opens offline in any browser, and saved settings "
    "reproduce the same segments and numbers with the same data."
)

result = support.analysis_or_stop()

stem = result.table.source_name.rsplit(".", 1)[0] or "analysis"
made_from = SourceFingerprint.of_table(result.table)

st.subheader("Report and exports")
# Each file is built when its button is clicked (and cached), so opening this page costs nothing:
# an Excel workbook of 200,000 customers takes tens of seconds.


def deferred(kind: str) -> Callable[[], bytes]:
    """Return a callable that builds one export of the current result when the user asks for it."""
    return support.deferred_download(result, kind)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOWNLOADS = [
    # label, what it is (an export kind, or the settings), file suffix, mime, widget key, icon
    ("Report (HTML, opens offline)", "report", "report.html", "text/html", "download_report", "description"),
    ("Customers (CSV)", "customers_csv", "customers.csv", "text/csv", "download_customers_csv", "receipt_long"),
    ("Customers and segments (Excel)", "workbook", "customers.xlsx", XLSX, "download_workbook", "table_view"),
    ("Segment summary (CSV)", "segments_csv", "segments.csv", "text/csv", "download_segments_csv", None),
    ("Excluded rows (CSV)", "exclusions_csv", "excluded.csv", "text/csv", "download_exclusions", None),
    ("Settings (JSON)", "settings", "settings.json", "application/json", "download_settings", "settings"),
]
downloads = st.grid(3, min_column_width=240)  # three a row on a wide page; labels wrap, never cut
for label, kind, suffix, mime, key, icon in DOWNLOADS:
    downloads.download_button(
        label,
        result.config.with_source(made_from).to_json().encode() if kind == "settings" else deferred(kind),
        file_name=f"{stem}-{suffix}",
        mime=mime,
        key=key,
        icon=f":material/{icon}:" if icon else None,
        width="stretch",
        wrap=True,
        disabled=kind == "exclusions_csv" and result.table.excluded_rows.empty,
        on_click="ignore",  # every download here: no rerun, which would redraw the page and could drop the file
    )
st.caption(
    "Text that a spreadsheet could run as a formula (starting with =, +, -, @) is neutralised in every export; "
    "numbers stay numbers."
)

st.subheader("Charts for slides")
charts = report_charts(result)
chart_name = st.selectbox("Chart", list(charts), key="share_chart", format_func=lambda n: CHART_TITLES.get(n, n))
if chart_name:
    chart = charts[chart_name]
    st.altair_chart(fit_to_width(chart), width="stretch")  # the downloads below are the chart as built
    cols = st.columns(2)
    cols[0].download_button(
        "PNG",
        lambda: to_png(chart),
        file_name=f"{stem}-{chart_name}.png",
        mime="image/png",
        key="download_chart_png",
        width="stretch",
        on_click="ignore",
    )
    cols[1].download_button(
        "SVG",
        lambda: to_svg(chart).encode(),
        file_name=f"{stem}-{chart_name}.svg",
        mime="image/svg+xml",
        key="download_chart_svg",
        width="stretch",
        on_click="ignore",
    )

st.subheader("Reopen saved settings")
uploaded = st.file_uploader(
    "Settings JSON saved from this page (or a summary.json from the command line)",
    type=["json"],
    key="settings_upload",
)
if uploaded is not None and st.session_state.get("settings_loaded") != uploaded.file_id:
    try:
        config = AnalysisConfig.from_saved(uploaded.getvalue())
    except InputError as exc:
        st.error(support.inert(str(exc)))
    else:
        st.session_state["settings_loaded"] = uploaded.file_id
        # Applied now when they fit the file in use; otherwise they wait for their file (a banner
        # above every page names it) and apply when it is uploaded.
        support.offer_settings(config)
        st.rerun()

st.subheader("Share link")
token = support.encode_config(support.get_config(), made_from)
base = st.context.url.split("?", 1)[0] if st.context.url else ""
st.write(
    "This link carries the settings, never the data: it names the file they were made from "
    f"({support.inert(made_from.describe())}). Whoever opens it is asked for that file and sees the same analysis "
    "once it is uploaded; it updates as you change settings."
)
st.code(f"{base}?{support.SHARE_PARAM}={token}", language=None)
