"""Data: choose the file (sample or upload), see how it was read, correct the roles, see what was excluded."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

import app_support as support
from segmentation.errors import InputError
from segmentation.export import to_csv_bytes
from segmentation.formatting import format_count, format_money
from segmentation.intake import ROLES, list_sheets, preview_source
from segmentation.intake.roles import parse_revenue_formula, revenue_formula
from segmentation.narrative import LedgerTotals

DETECT = "Detect automatically"


def _shown_or_detect(value: object, *, options: list[str]) -> object:
    """A column picker shows the setting's column, or "Detect automatically" when it names none of them."""
    return value if value in options else DETECT


def revenue_sum(source_columns: list[str]) -> None:
    """The "Revenue is the sum of" multi-select: two or more columns added up into revenue ("A+B+C")."""
    path = "intake.revenue_column"
    current = support.get_config().intake.revenue_column or ""
    operation, parts = parse_revenue_formula(current, source_columns) if current else ("single", ())
    shown = [p for p in parts if p in source_columns] if operation == "sum" else []
    key = "data_revenue_sum"
    if st.session_state.get(key + "_for") != current:  # the setting changed elsewhere: show it
        st.session_state[key] = shown
        st.session_state[key + "_for"] = current
    chosen = st.multiselect(
        "Revenue is the sum of",
        options=source_columns,
        key=key,
        help="Tick two or more columns (e.g. spend per product line) to analyse their total as the revenue.",
    )
    if chosen == shown:
        return
    value = revenue_formula(chosen) if len(chosen) >= 2 else (chosen[0] if chosen else None)
    if value == (current or None):
        return
    st.session_state[key + "_for"] = value or ""
    st.session_state[support.WIDGET_PREFIX + path] = value or DETECT
    try:
        support.update_config(**{path: value})
    except InputError as exc:
        st.error(support.inert(str(exc)))
    else:
        st.rerun()


def key_columns(source_columns: list[str]) -> None:
    """The customer ID and revenue pickers (also shown when the file could not be read as customers)."""
    revenue_sum(source_columns)
    formula = support.get_config().intake.revenue_column
    revenue_options = [*source_columns, *([formula] if formula and formula not in source_columns else [])]
    pickers = st.grid(3, min_column_width=220)  # three a row, or fewer when a picker would cut its choice
    row = [pickers.cell() for _ in range(3)]
    for col, (label, path, options) in zip(
        row,
        [
            ("Customer ID column", "intake.id_column", source_columns),
            ("Revenue column", "intake.revenue_column", revenue_options),
        ],
        strict=False,
    ):
        with col:
            support.bound(
                st.selectbox,
                label,
                path,
                options=[DETECT, *options],
                to_widget=partial(_shown_or_detect, options=options),
                from_widget=lambda v: None if v == DETECT else v,
            )
    with row[2]:
        support.bound(
            st.selectbox,
            "Revenue is",
            "intake.revenue_unit",
            options=["auto", "ARR", "MRR", "revenue"],
            format_func=lambda v: {"auto": "Detect", "MRR": "MRR (turned into ARR ×12)"}.get(v, v),
        )


support.page_guard(__file__)
st.title("Data")
st.caption(
    "One row per customer (an account export) or one row per invoice, order or subscription: both work. "
    "CSV in any dialect, Excel and Parquet. Nothing is dropped without saying so."
)

# --- choose the file -----------------------------------------------------------------------
# The uploader (two cells wide) and the two samples: one row on a wide page, two when narrow.
choose = st.grid(4, min_column_width=200, vertical_alignment="center")
upload = choose.cell(column_span=2).file_uploader(
    "Upload your customer export",
    type=["csv", "txt", "tsv", "xlsx", "xlsm", "parquet"],
    key="upload",
    help="The file stays in this browser session; it is never sent anywhere else.",
)
if upload is not None:
    data = upload.getvalue()
    current = support.current_file()
    if current is None or current.kind != "upload" or current.name != upload.name or current.data != data:
        support.use_upload(upload.name, data)
        st.rerun()  # so the sidebar, drawn before this page, names the new file at once
if choose.button("Use the sample accounts", key="data_sample_accounts", width="stretch", wrap=True):
    support.use_sample("sample_accounts")
    st.rerun()
if choose.button("Use the invoice sample", key="data_sample_invoices", width="stretch", wrap=True):
    support.use_sample("sample_invoices")
    st.rerun()

file = support.current_file()
if file is None:
    st.info("Upload a file or pick a sample to begin.")
    st.stop()
st.caption(f"In use: {support.file_label(file)} ({format_count(len(file.data))} bytes).")

config = support.get_config()
try:
    sheets = list_sheets(file.source())
except InputError as exc:
    st.error(support.inert(str(exc)))
    st.stop()
if len(sheets) > 1:
    support.bound(
        st.selectbox,
        "Sheet",
        "intake.sheet",
        options=[DETECT, *sheets],
        to_widget=lambda v: v or DETECT,
        from_widget=lambda v: None if v == DETECT else v,
        help="The workbook has several sheets; the one most like a table is read unless you choose.",
    )

with st.expander("Add a second table joined by customer ID (e.g. subscriptions, usage events)"):
    related_upload = st.file_uploader(
        "Related table", type=["csv", "txt", "tsv", "xlsx", "parquet"], key="related_upload"
    )
    if related_upload is not None:
        related_data = related_upload.getvalue()
        known = support.related_file()
        if known is None or known.data != related_data:
            support.use_related(related_upload.name, related_data)
    elif support.related_file() is not None and st.button("Remove the related table", key="related_remove"):
        support.use_related(None, None)
    support.bound(
        st.text_input,
        "Key column in the related table (blank = the same name as the customer ID)",
        "intake.related_key",
        to_widget=lambda v: v or "",
        from_widget=lambda v: v.strip() or None,
    )

with st.expander("Preview of the file as read", expanded=False):
    try:
        st.dataframe(preview_source(file.source(), config.intake, rows=20), hide_index=True)
    except InputError as exc:
        st.error(support.inert(str(exc)))

table = support.customer_table()
if table is None:
    try:
        columns = list(preview_source(file.source(), config.intake, rows=5).columns)
    except InputError:
        columns = []
    if columns:
        st.markdown("**Point at the right columns** and the file is read again:")
        with st.container(border=True):
            key_columns(columns)
    st.stop()

# --- what was read -------------------------------------------------------------------------
totals = LedgerTotals.of(table)
cols = st.grid(5, min_column_width=200)  # "transaction" is the widest value
cols.metric("Rows read", format_count(totals.rows_read))
cols.metric("Customers", format_count(totals.customers))
cols.metric("Rows excluded", format_count(totals.excluded))
cols.metric("Rows changed", format_count(totals.changed))
cols.metric("One row per", "customer" if table.grain == "customer" else "transaction")
st.markdown(
    f"Customer ID: **{support.inert(table.id_column)}** · revenue: **{support.inert(table.revenue_column)}** "
    f"read as **{support.inert(table.revenue_unit)}**"
    + (" · rows were aggregated to one per customer" if table.grain == "transactions" else "")
)
if table.revenue_window:
    st.markdown(f"Revenue covers the **{support.inert(table.revenue_window)}**.")
for warning in table.warnings:
    st.warning(support.inert(warning), icon="🚩")
if len(table.churned):
    churned = table.to_dict()["churned"]
    st.info(
        f"{format_count(churned['customers'])} churned or ended accounts are kept out of current revenue, tiers "
        f"and segments; they took {format_money(churned['revenue'], table.currency or '')} of "
        f"{support.inert(table.revenue_unit)} with them. Switch 'Churned accounts' below to count them.",
        icon="🚪",
    )
for note in table.notes:
    st.caption(f"ℹ️ {support.inert(note)}")

# --- overrides -----------------------------------------------------------------------------
st.subheader("Columns and their roles")
source_columns = list(table.source_roles or table.roles)
with st.container(border=True):
    key_columns(source_columns)
    pickers = st.grid(4, min_column_width=220)
    row = [pickers.cell() for _ in range(4)]
    with row[3]:
        support.bound(
            st.selectbox,
            "Currency",
            "report.currency",
            options=["auto", "USD", "EUR", "GBP", "CHF", "CAD", "AUD", "JPY", "INR", "SEK", "NOK", "DKK"],
            format_func=lambda v: f"from the file ({table.currency or 'none named'})" if v == "auto" else v,
            help="Shown next to every money figure; amounts are not converted.",
        )
    with row[0]:
        support.bound(
            st.selectbox,
            "Rows are",
            "intake.grain",
            options=["auto", "customer", "transactions"],
            format_func=lambda v: {
                "auto": "Detect",
                "customer": "one per customer",
                "transactions": "transactions (aggregate)",
            }[v],
        )
    with row[1]:
        support.bound(
            st.selectbox,
            "Dates are written",
            "intake.date_order",
            options=["auto", "day_first", "month_first"],
            format_func=lambda v: {
                "auto": "Decide from the data",
                "day_first": "day first",
                "month_first": "month first",
            }[v],
        )
    with row[2]:
        if table.grain == "transactions":
            window = config.intake.revenue_window_months
            support.bound(
                st.selectbox,
                "Revenue counts",
                "intake.revenue_window_months",
                options=["auto", None, 12, *([window] if window not in ("auto", None, 12) else [])],
                format_func=lambda v: {
                    "auto": "the last 12 months when the file spans more (annual run-rate)",
                    None: "all transactions (all-time total)",
                }.get(v, f"the last {v} months"),
            )
        else:
            support.bound(
                st.selectbox,
                "Churned accounts",
                "intake.churn_rule",
                options=["auto", "ignore"],
                format_func=lambda v: {
                    "auto": "kept out of current revenue",
                    "ignore": "counted as current customers",
                }[v],
                help="Accounts the file marks as churned (a churn flag, a status, an end date in the past).",
            )
            support.bound(
                st.selectbox,
                "Attributes per customer (plan, country …)",
                "intake.attribute_rule",
                options=["most_frequent", "latest"],
                format_func=lambda v: {"most_frequent": "most frequent value", "latest": "latest value"}[v],
            )

roles = table.source_roles or table.roles
role_frame = pd.DataFrame(
    [
        {
            "column": name,
            "role": config.intake.roles.get(name, role.role),
            "detected": role.role,
            "confidence": round(role.confidence, 2),
            "why": role.reason,
        }
        for name, role in roles.items()
    ]
)
edited = st.data_editor(
    role_frame,
    key="role_editor",
    hide_index=True,
    disabled=["column", "detected", "confidence", "why"],
    column_config={
        "role": st.column_config.SelectboxColumn("role", options=[*ROLES, "ignore"], required=True),
        "confidence": st.column_config.ProgressColumn("confidence", min_value=0.0, max_value=1.0, format="%.2f"),
    },
)
changes = {
    str(after["column"]): str(after["role"])
    for before, after in zip(role_frame.to_dict(orient="records"), edited.to_dict(orient="records"), strict=True)
    if after["role"] != before["role"]
}
if changes:
    try:
        support.update_config(**{"intake.roles": {**config.intake.roles, **changes}})
        st.rerun()
    except InputError as exc:
        st.error(support.inert(str(exc)))
if config.intake.roles and st.button("Go back to the detected roles", key="roles_reset"):
    st.session_state.pop("role_editor", None)
    support.update_config(**{"intake.roles": {}})
    st.rerun()

# --- what was excluded ---------------------------------------------------------------------
st.subheader("What was excluded or changed, and why")
if table.ledger:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "reason": e.reason,
                    "rows": e.rows,
                    "action": e.action,
                    "examples": ", ".join(map(str, e.examples[:5])),
                }
                for e in table.ledger
            ]
        ),
        hide_index=True,
    )
    if not table.excluded_rows.empty:
        st.download_button(
            "Download the excluded and changed rows (CSV)",
            to_csv_bytes(table.excluded_rows),
            file_name=f"{file.name.rsplit('.', 1)[0]}-excluded.csv",
            mime="text/csv",
            key="data_download_excluded",
            on_click="ignore",
        )
else:
    st.success("Every row was used as it was.")

st.subheader("Column quality")
st.dataframe(table.column_quality, hide_index=True)
