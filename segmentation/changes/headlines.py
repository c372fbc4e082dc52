"""The sentences a leader reads first about what changed: computed once here, shown by every view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from segmentation.formatting import format_count, format_money, format_share, plural

if TYPE_CHECKING:
    from segmentation.changes.bridge import BridgeLine
    from segmentation.changes.migration import FreshMatch, Move
    from segmentation.changes.result import ConcentrationDrift, ServiceModelChanges


def _retention_sentence(bridge: BridgeLine, by_segment: list[BridgeLine], money: Money) -> str:
    """NRR with what drove it: the segment whose expansion helped most against the one that lost most."""
    if bridge.nrr is None:
        return f"No account had revenue at the start, so there is no retention to measure; {money(bridge.new)} is new."
    nrr = f"NRR {format_share(bridge.nrr)}, GRR {format_share(bridge.grr)}"
    gains = sorted(by_segment, key=lambda line: (-line.expansion, line.group))
    losses = sorted(by_segment, key=lambda line: (-(line.churn + line.contraction), line.group))
    top_gain = gains[0] if gains and gains[0].expansion > 0 else None
    top_loss = losses[0] if losses and losses[0].churn + losses[0].contraction > 0 else None
    lost_total = bridge.churn + bridge.contraction
    lost = f"{money(lost_total)} lost to churn and contraction"
    if top_gain is None and top_loss is None:
        return f"{nrr}: every account kept its revenue."
    if top_loss is None and top_gain is not None:
        return f"{nrr}: expansion in '{top_gain.group}' ({money(top_gain.expansion)}) with no churn or contraction."
    if top_gain is None and top_loss is not None:
        return f"{nrr}: no account expanded; {lost}, most in '{top_loss.group}'."
    assert top_gain is not None and top_loss is not None  # for the type checker
    verb = "outweighed" if bridge.expansion >= lost_total else "did not make up for"
    return (
        f"{nrr}: expansion (+{money(bridge.expansion)}, most in '{top_gain.group}') {verb} churn and contraction "
        f"(−{money(lost_total)}, most in '{top_loss.group}')."
    )


class Money:
    """Money as a leader reads it, in the comparison's currency and unit."""

    def __init__(self, currency: str, unit: str) -> None:
        self.currency = currency
        self.unit = unit

    def __call__(self, value: float) -> str:
        """Return `value` as short money text."""
        return format_money(value, self.currency, self.unit)


def headline_sentences(
    *,
    bridge: BridgeLine,
    by_segment: list[BridgeLine],
    moves: list[Move],
    fresh: list[FreshMatch],
    models: ServiceModelChanges,
    drift: ConcentrationDrift,
    counts: dict[str, int],
    money: Money,
) -> list[str]:
    """Return the headline sentences, most important first (plain text, no markup)."""
    sentences = [_retention_sentence(bridge, by_segment, money)]
    sentences.append(
        f"{money(bridge.start)} → {money(bridge.end)}: {format_count(counts['new'])} new accounts "
        f"(+{money(bridge.new)}), {format_count(counts['expanded'])} expanded (+{money(bridge.expansion)}), "
        f"{format_count(counts['contracted'])} contracted (−{money(bridge.contraction)}), "
        f"{format_count(counts['lost'])} lost (−{money(bridge.churn)}); {format_count(counts['flat'])} flat."
    )
    if moves:
        top = moves[0]
        sentences.append(
            f"{format_count(top.accounts)} accounts moved from '{top.from_name}' to '{top.to_name}' "
            f"({money(top.revenue_after)} now)."
        )
    new_segments = [match for match in fresh if match.is_new]
    if new_segments:
        names = ", ".join(f"'{match.fresh_name}'" for match in new_segments)
        sentences.append(
            f"A fresh segmentation finds {plural(len(new_segments), 'segment')} that "
            f"{'matches' if len(new_segments) == 1 else 'match'} no earlier one: {names}."
        )
    if models.moved_up or models.moved_down:
        sentences.append(
            f"{format_count(models.moved_up + models.moved_down)} continuing accounts now warrant a different "
            f"service model ({format_count(models.moved_up)} up to more touch, {format_count(models.moved_down)} down)."
        )
    before, after = drift.before.top_10_customers_revenue_share, drift.after.top_10_customers_revenue_share
    direction = "rose" if drift.top_share_rose else "fell" if after < before else "held"
    sentences.append(
        f"The ten largest accounts' share {direction} from {format_share(before)} to {format_share(after)}; "
        f"Gini {drift.before.gini:.2f} → {drift.after.gini:.2f}."
    )
    return sentences
