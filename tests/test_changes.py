"""The bridge, retention and account changes on small literal frames whose answers are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.changes import ChangesSettings, group_bridges, overall_bridge, tag_changes
from segmentation.changes.bridge import largest_movers
from segmentation.changes.migration import match_fresh_segments, migration_frame, model_direction

SETTINGS = ChangesSettings()


def _accounts() -> pd.DataFrame:
    """A: 100 → 150 (expanded, moved 1 → 2); B: 200 → 180 (contracted); C: 50 → 50.1 (flat, +0.2%);
    D: 10 → gone (lost); E: new at 40 (lands in segment 1)."""
    ids = ["A", "B", "C", "D", "E"]
    before = pd.Series([100.0, 200.0, 50.0, 10.0, np.nan])
    after = pd.Series([150.0, 180.0, 50.1, np.nan, 40.0])
    frame = tag_changes(before, after, SETTINGS)
    frame.insert(0, "customer_id", ids)
    frame["segment_before"] = pd.array([1, 1, 2, 2, None], dtype="Int64")
    frame["segment_after"] = pd.array([2, 1, 2, None, 1], dtype="Int64")
    return frame


def test_change_types_and_amounts() -> None:
    frame = _accounts()
    assert frame["change_type"].tolist() == ["expanded", "contracted", "flat", "lost", "new"]
    assert frame["revenue_change"].round(2).tolist() == [50.0, -20.0, 0.1, -10.0, 40.0]
    assert frame["revenue_before"].tolist() == [100.0, 200.0, 50.0, 10.0, 0.0]


def test_overall_bridge_by_hand() -> None:
    line = overall_bridge(_accounts())
    assert line.start == pytest.approx(360.0)
    assert line.new == pytest.approx(40.0)
    assert line.expansion == pytest.approx(50.1)  # A's +50 and C's flat +0.1 (inside the tolerance, still money)
    assert line.contraction == pytest.approx(20.0)
    assert line.churn == pytest.approx(10.0)
    assert line.end == pytest.approx(420.1)
    assert line.nrr == pytest.approx(380.1 / 360.0)  # (360 + 50.1 − 20 − 10) / 360
    assert line.grr == pytest.approx(330.0 / 360.0)  # (360 − 20 − 10) / 360
    assert (line.accounts_start, line.accounts_end) == (4, 4)
    assert (line.new_accounts, line.expanded_accounts, line.flat_accounts) == (1, 1, 1)
    assert (line.contracted_accounts, line.lost_accounts) == (1, 1)


def test_segment_bridges_by_hand() -> None:
    lines = group_bridges(_accounts(), "segment_before", "segment_after", {1: "Big", 2: "Small"})
    big, small = lines
    # Big: started with A and B (300); E landed here (40); A grew 50, B shrank 20; A now sits in Small.
    assert (big.group, big.segment) == ("Big", 1)
    assert (big.start, big.new, big.expansion, big.contraction, big.churn, big.end) == pytest.approx(
        (300.0, 40.0, 50.0, 20.0, 0.0, 370.0)
    )
    assert big.nrr == pytest.approx(330.0 / 300.0)
    assert big.grr == pytest.approx(280.0 / 300.0)
    assert big.moved_out == pytest.approx(150.0)
    assert big.moved_in == pytest.approx(0.0)
    assert big.now == pytest.approx(220.0)  # B 180 + E 40
    # Small: started with C and D (60); C drifted +0.1, D left.
    assert (small.start, small.new, small.expansion, small.contraction, small.churn, small.end) == pytest.approx(
        (60.0, 0.0, 0.1, 0.0, 10.0, 50.1)
    )
    assert small.nrr == pytest.approx(50.1 / 60.0)
    assert small.grr == pytest.approx(50.0 / 60.0)
    assert small.moved_in == pytest.approx(150.0)
    assert small.now == pytest.approx(200.1)
    assert big.end - big.moved_out + big.moved_in == pytest.approx(big.now)
    assert small.end - small.moved_out + small.moved_in == pytest.approx(small.now)


def test_flat_tolerance_is_share_or_a_cent() -> None:
    before = pd.Series([1000.0, 1000.0, 1.0, 1.0])
    after = pd.Series([1004.9, 1005.0, 1.009, 1.02])
    kinds = tag_changes(before, after, SETTINGS)["change_type"].tolist()
    assert kinds == ["flat", "expanded", "flat", "expanded"]


def test_negative_revenue_counts_as_zero_and_no_revenue_twice_is_inactive() -> None:
    frame = tag_changes(pd.Series([-50.0, 0.0, 30.0]), pd.Series([20.0, 0.0, -5.0]), SETTINGS)
    assert frame["change_type"].tolist() == ["new", "inactive", "lost"]
    line = overall_bridge(frame)
    assert (line.start, line.new, line.churn, line.end) == (30.0, 20.0, 30.0, 20.0)


def test_no_cohort_means_no_retention() -> None:
    frame = tag_changes(pd.Series([np.nan, np.nan]), pd.Series([5.0, 7.0]), SETTINGS)
    line = overall_bridge(frame)
    assert line.nrr is None and line.grr is None and line.new == 12.0


def test_largest_movers_by_kind() -> None:
    frame = _accounts()
    movers = largest_movers(frame, 1)
    assert movers["expanded"]["customer_id"].tolist() == ["A"]
    assert movers["lost"]["customer_id"].tolist() == ["D"]
    assert movers["new"]["customer_id"].tolist() == ["E"]


def test_migration_frame_by_hand() -> None:
    frame = _accounts()
    migration = migration_frame(frame, {1: "Big", 2: "Small"})
    cells = {
        (r.from_segment_name, r.to_segment_name): (r.accounts, r.revenue_before, r.revenue_after)
        for r in migration.itertuples()
    }
    assert cells[("Big", "Small")] == (1, 100.0, 150.0)
    assert cells[("Big", "Big")] == (1, 200.0, 180.0)
    assert cells[("Small", "Small")] == (1, 50.0, 50.1)
    assert cells[("Small", "Big")] == (0, 0.0, 0.0)
    assert cells[("New accounts", "Big")] == (1, 0.0, 40.0)
    assert cells[("Small", "Lost accounts")] == (1, 10.0, 0.0)
    assert migration["accounts"].sum() == 5


def test_fresh_segments_matched_by_overlap() -> None:
    earlier = np.array([1, 1, 1, 1, 2, 2, 2, 2, 2, 1])
    fresh = np.array([2, 2, 2, 2, 1, 1, 1, 1, 3, 3])  # fresh 1 = earlier 2, fresh 2 = earlier 1, fresh 3 is mixed
    matches = match_fresh_segments(fresh, {1: "F1", 2: "F2", 3: "F3"}, earlier, {1: "Old A", 2: "Old B"}, 0.5)
    by_id = {m.fresh_segment: m for m in matches}
    assert by_id[1].name == "Old B" and by_id[1].overlap == 1.0
    assert by_id[2].name == "Old A" and not by_id[2].is_new
    assert by_id[3].is_new and by_id[3].name == "New: F3"


def test_model_direction() -> None:
    before = pd.Series(["tech-touch", "high-touch", "medium-touch", None])
    after = pd.Series(["medium-touch", "medium-touch", "medium-touch", "tech-touch"])
    assert model_direction(before, after).tolist() == ["up", "down", "same", ""]


money = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
maybe_money = st.one_of(st.just(math.nan), money, st.floats(min_value=-100, max_value=0))


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(maybe_money, maybe_money, st.integers(1, 3), st.integers(1, 3)),
        min_size=1,
        max_size=40,
    )
)
def test_bridge_adds_up_overall_and_per_segment(rows: list[tuple[float, float, int, int]]) -> None:
    before = pd.Series([r[0] for r in rows])
    after = pd.Series([r[1] for r in rows])
    frame = tag_changes(before, after, SETTINGS)
    frame["customer_id"] = [str(i) for i in range(len(rows))]
    frame["segment_before"] = [r[2] for r in rows]
    frame["segment_after"] = [r[3] for r in rows]
    lines = [overall_bridge(frame), *group_bridges(frame, "segment_before", "segment_after", {1: "a", 2: "b", 3: "c"})]
    scale = 1 + float(frame["revenue_before"].sum() + frame["revenue_after"].sum())
    for line in lines:
        assert line.start + line.new + line.expansion - line.contraction - line.churn == pytest.approx(
            line.end, abs=1e-9 * scale
        )
        if line.grr is not None:
            assert 0 <= line.grr <= 1
            assert line.nrr is not None and line.nrr >= line.grr - 1e-12
        assert line.end - line.moved_out + line.moved_in == pytest.approx(line.now, abs=1e-9 * scale)
    segments = lines[1:]
    assert sum(line.start for line in segments) == pytest.approx(lines[0].start, abs=1e-9 * scale)
    assert sum(line.end for line in segments) == pytest.approx(lines[0].end, abs=1e-9 * scale)


def test_subscription_lines_compare_the_arr_active_at_each_period_end(tmp_path: object) -> None:
    """ARR lines with an end date: each period's revenue is the ARR in force on its last day."""
    from pathlib import Path

    from segmentation.changes.run import compare_periods
    from segmentation.config import AnalysisConfig
    from segmentation.intake import Source
    from segmentation.pipeline import run_analysis

    lines = ["subscription_id,account_id,start_date,end_date,arr_amount,seats"]
    for i in range(30):
        spread = 1000 * (1 + i % 5) ** 2
        # a contract running both years, renewed at a higher price in 2024
        lines.append(f"S{i}a,A{i:02d},2022-06-01,2024-02-28,{spread},{5 + i}")
        lines.append(f"S{i}b,A{i:02d},2024-03-01,,{spread * 2 if i % 3 else spread},{5 + 2 * i}")
    lines.append("S99,A99,2023-03-01,2023-06-30,50000,9")  # started and ended inside a period: never in force at an end
    lines.append("S98,A98,2022-01-01,2024-12-31,0,1")  # the file's latest date: 2024-12-31
    path = Path(str(tmp_path)) / "subscriptions.csv"
    path.write_text("\n".join(lines) + "\n")
    config = AnalysisConfig()
    main = run_analysis(Source.from_path(path), config)
    assert main.table.revenue_window == "subscriptions active on 2024-12-31"
    changes = compare_periods(Source.from_path(path), config, main=main)
    bridge = changes.bridge
    start = sum(1000 * (1 + i % 5) ** 2 for i in range(30))
    end = sum(1000 * (1 + i % 5) ** 2 * (2 if i % 3 else 1) for i in range(30))
    assert bridge.start == pytest.approx(start) and bridge.end == pytest.approx(end)
    assert bridge.nrr == pytest.approx(end / start)
