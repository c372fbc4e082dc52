"""Compare an earlier snapshot with a newer analysis: the account changes, bridge, retention, moves and drift."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from segmentation.changes.bridge import group_bridges, largest_movers, overall_bridge, tag_changes
from segmentation.changes.headlines import Money, headline_sentences
from segmentation.changes.migration import (
    largest_moves,
    match_fresh_segments,
    migration_frame,
    model_direction,
)
from segmentation.changes.result import CHANGES_COLUMNS, ChangesResult, ConcentrationDrift, ServiceModelChanges
from segmentation.economics import concentration_metrics
from segmentation.errors import InputError
from segmentation.result import SERVICE_MODELS

if TYPE_CHECKING:
    from segmentation.changes.settings import ChangesSettings
    from segmentation.changes.snapshot import Snapshot
    from segmentation.result import AnalysisResult

UNIT_RATIO_MIN_ACCOUNTS = 20
"""Accounts at both dates needed before a 12× jump in the median is read as monthly against annual."""


def check_comparable(before: Snapshot, after: AnalysisResult) -> None:
    """Raise `InputError` (one line) when the two snapshots cannot be compared."""
    if before.revenue_unit != after.revenue_unit:
        raise InputError(
            f"The earlier file's revenue is {before.revenue_unit} but the newer file's is {after.revenue_unit}; "
            "export the same revenue measure for both dates (or set revenue_unit in the settings)."
        )
    if before.currency and after.table.currency and before.currency != after.table.currency:
        raise InputError(
            f"The earlier file is in {before.currency} but the newer one in {after.table.currency}; "
            "convert one of them so both use the same currency."
        )
    if (
        before.latest_date is not None
        and after.table.grain == "transactions"
        and "last_purchase" in after.table.customers
    ):
        latest_now = pd.to_datetime(after.table.customers["last_purchase"], errors="coerce").max()
        if pd.notna(latest_now) and latest_now < before.latest_date:
            raise InputError(
                f"The newer file's last purchase ({latest_now:%Y-%m-%d}) is before the earlier file's "
                f"({before.latest_date:%Y-%m-%d}); the periods do not follow each other: swap BEFORE and AFTER."
            )


def _check_common_ids(joined: pd.DataFrame) -> None:
    """Raise `InputError` when no account is in both snapshots."""
    if (joined["start"].notna() & joined["end"].notna()).any():
        return
    old = joined.loc[joined["start"].notna(), "customer_id"]
    new = joined.loc[joined["end"].notna(), "customer_id"]
    raise InputError(
        f"No customer ID is in both files (e.g. '{old.iloc[0] if len(old) else ''}' before, "
        f"'{new.iloc[0] if len(new) else ''}' now); compare two exports of the same accounts with the "
        "same ID column (set --config intake.id_column if the ID column was misread)."
    )


def _check_units(accounts: pd.DataFrame) -> None:
    """A median ratio near 12 (or 1/12) among accounts at both dates means one side is monthly."""
    both = accounts[(accounts["revenue_before"] > 0) & (accounts["revenue_after"] > 0)]
    if len(both) < UNIT_RATIO_MIN_ACCOUNTS:
        return
    ratio = float(np.median(both["revenue_after"] / both["revenue_before"]))
    if 10 <= ratio <= 14 or 1 / 14 <= ratio <= 1 / 10:
        side = "earlier" if ratio > 1 else "newer"
        raise InputError(
            f"The typical account's revenue changed {ratio:.1f}× between the files: the {side} file looks monthly "
            "and the other annual; set revenue_unit (MRR or ARR) so both are read the same way."
        )


def _join(before: Snapshot, after: AnalysisResult, earlier_labels: np.ndarray) -> pd.DataFrame:
    """Outer join of the two snapshots by customer ID, with the earlier segments applied to the new data."""
    old = before.customers.rename(
        columns={
            "revenue": "start",
            "segment": "segment_before",
            "segment_name": "segment_name_before",
            "service_model": "service_model_before",
        }
    )
    new = pd.DataFrame(
        {
            "customer_id": after.customers["customer_id"].astype(str).to_numpy(),
            "end": after.customers["revenue"].to_numpy(dtype=float),
            "segment_after": earlier_labels,
            "fresh_segment": after.customers["segment"].to_numpy(),
            "fresh_segment_name": after.customers["segment_name"].astype(str).to_numpy(),
            "service_model_after": after.customers["service_model"].astype(str).to_numpy(),
        }
    )
    current = after.service.frame.get("current_model")
    if current is not None and (current.astype(str) != "").any():
        new["served_model_now"] = current.astype(str).to_numpy()
    old = old.assign(customer_id=old["customer_id"].astype(str))
    return old.merge(new, on="customer_id", how="outer", sort=False)


def compare(before: Snapshot, after: AnalysisResult, settings: ChangesSettings, after_label: str) -> ChangesResult:
    """Return what changed from `before` to `after`; raises `InputError` when they cannot be compared."""
    check_comparable(before, after)
    model = before.model
    earlier_labels = model.assign(after.table)
    joined = _join(before, after, earlier_labels)
    _check_common_ids(joined)
    tags = tag_changes(joined["start"], joined["end"], settings)
    names = {int(k): v for k, v in sorted(model.segment_names.items())}
    accounts = pd.concat([joined.drop(columns=["start", "end"]), tags], axis=1)
    _check_units(accounts)
    accounts["segment_name_after"] = _names_of(accounts["segment_after"], names)
    accounts["service_model_change"] = model_direction(
        accounts["service_model_before"].where(accounts["change_type"] != "new"),
        accounts["service_model_after"].where(accounts["change_type"] != "lost"),
    )
    for column in ("segment_before", "segment_after", "fresh_segment"):
        accounts[column] = accounts[column].astype("Int64")
    for column in ("segment_name_before", "fresh_segment_name", "service_model_before", "service_model_after"):
        accounts[column] = accounts[column].fillna("").astype(str)
    columns = [*CHANGES_COLUMNS, *(["served_model_now"] if "served_model_now" in accounts else [])]
    order = pd.DataFrame({"size": -accounts["revenue_change"].abs(), "id": accounts["customer_id"]})
    accounts = accounts.loc[order.sort_values(["size", "id"], kind="stable").index, columns].reset_index(drop=True)
    for column in ("revenue_before", "revenue_after", "revenue_change"):
        accounts[column] = accounts[column].round(2)

    bridge = overall_bridge(accounts)
    by_segment = group_bridges(accounts, "segment_before", "segment_after", names)
    model_names = {m: m for m in SERVICE_MODELS}
    by_model = group_bridges(accounts, "service_model_before", "service_model_after", model_names, segments=False)
    migration = migration_frame(accounts, names)
    moves = largest_moves(migration)
    fresh = match_fresh_segments(
        np.asarray(after.segmentation.labels),
        after.segmentation.names,
        earlier_labels,
        names,
        settings.name_match_overlap,
    )
    carried = _names_of(accounts["fresh_segment"], {m.fresh_segment: m.name for m in fresh})
    accounts["fresh_segment_name"] = carried.where(carried != "", accounts["fresh_segment_name"])
    models = _service_model_changes(accounts)
    drift = ConcentrationDrift(
        before=concentration_metrics(before.customers["revenue"].to_numpy(dtype=float)),
        after=concentration_metrics(after.customers["revenue"].to_numpy(dtype=float)),
    )
    currency = after.currency
    counts = accounts["change_type"].value_counts()
    count_map = {k: int(counts.get(k, 0)) for k in ("new", "expanded", "flat", "contracted", "lost")}
    money = Money(currency, after.revenue_unit)
    headlines = headline_sentences(
        bridge=bridge,
        by_segment=by_segment,
        moves=moves,
        fresh=fresh,
        models=models,
        drift=drift,
        counts=count_map,
        money=money,
    )
    notes = _notes(accounts, model.agreement, settings, before, after)
    if bridge.nrr is not None and bridge.nrr > UNUSUAL_NRR:  # said beside the headline, where it is read
        headlines.insert(
            1,
            f"NRR of {bridge.nrr:.0%} would be exceptional for a SaaS business (more than 1.5× the revenue kept): "
            "check that both files hold the same kind of revenue (recurring, not one-off sales or a part-year "
            "against a full year) before acting on it.",
        )
    return ChangesResult(
        before_label=before.label,
        after_label=after_label,
        before_source=before.source_name,
        after_source=after.table.source_name,
        revenue_unit=after.revenue_unit,
        currency=currency,
        accounts=accounts,
        bridge=bridge,
        by_segment=by_segment,
        by_service_model=by_model,
        migration=migration,
        moves=moves,
        fresh_segments=fresh,
        service_models=models,
        concentration=drift,
        movers=largest_movers(accounts, settings.top_movers),
        headlines=headlines,
        notes=notes,
        model_agreement=model.agreement,
    )


def _names_of(segments: pd.Series, names: dict[int, str]) -> pd.Series:
    """Segment ids (nullable) → names, "" where there is none; one lookup per distinct id, not per row."""
    codes = segments.fillna(-1).astype("int64").to_numpy()
    ids = np.array(sorted(names), dtype=np.int64)
    texts = np.array([names[int(i)] for i in ids] + [""], dtype=object)
    position = np.searchsorted(ids, codes) if len(ids) else np.zeros(len(codes), dtype=np.int64)
    position = np.clip(position, 0, max(len(ids) - 1, 0))
    known = (ids[position] == codes) if len(ids) else np.zeros(len(codes), dtype=bool)
    return pd.Series(np.where(known, texts[position], ""), index=segments.index, dtype=object)


def _service_model_changes(accounts: pd.DataFrame) -> ServiceModelChanges:
    direction = accounts["service_model_change"]
    out = ServiceModelChanges(
        moved_up=int((direction == "up").sum()),
        moved_down=int((direction == "down").sum()),
        unchanged=int((direction == "same").sum()),
        served_column="served_model_now" in accounts,
    )
    if out.served_column:
        now = accounts[accounts["change_type"] != "lost"]
        served = model_direction(now["served_model_now"], now["service_model_after"])
        out.served_under = int((served == "up").sum())
        out.served_over = int((served == "down").sum())
        out.served_differs = out.served_under + out.served_over
    return out


UNUSUAL_NRR = 1.5
"""Above this net revenue retention the comparison says to check the inputs before acting on it."""


def _notes(
    accounts: pd.DataFrame, agreement: float | None, settings: ChangesSettings, before: Snapshot, after: AnalysisResult
) -> list[str]:
    notes = [
        f"Flat means the revenue moved by less than {settings.flat_share:.1%} or {settings.flat_amount:g}; "
        "those small moves still count in expansion and contraction, so the bridge adds up exactly."
    ]
    negative = int((before.customers["revenue"] < 0).sum() + (after.customers["revenue"] < 0).sum())
    if negative:
        notes.append(
            f"{negative:,} negative revenue figure(s) (credits) count as 0 in the bridge, as in concentration."
        )
    inactive = int((accounts["change_type"] == "inactive").sum())
    if inactive:
        notes.append(f"{inactive:,} account(s) had no revenue at either date: listed as inactive, outside the bridge.")
    if agreement is not None and agreement < 1:
        notes.append(
            f"The earlier segments, applied as saved (nearest earlier segment centre), put {agreement:.1%} of the "
            "earlier accounts back in their own segment; the rest sat near a border."
        )
    notes.append(
        "Segment 'after' is the earlier segmentation applied to the newer data as it was saved, so a segment "
        "means the same thing at both dates; the fresh segments are a new segmentation of the newer data."
    )
    return notes
