"""Is the potential model better than the obvious? Back-test or cross-validation against simple rankings.

With an earlier period (a ``prior_revenue`` column: revenue 12–24 months ago), the long-term model is
fitted on what was known then and scored on how well it ranks today's revenue, beside ranking by the
earlier revenue itself and by size. Without one (a snapshot), the firmographic model's out-of-fold
predictions are scored against the revenue of the accounts it learns from, beside ranking by size or
seats alone (ranking by revenue cannot be scored there: it is the target). All scores are Spearman
rank correlations; the better ranking is used, and the confidence is said in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from segmentation.service.text import plain_float

GOOD = 0.6
FAIR = 0.35
_MIN_ACCOUNTS = 30
_MARGIN = 0.01
"""The model must beat the best simple ranking by at least this much Spearman to be preferred."""

CONFIDENCE_WORDS = {"high": "good", "medium": "fair", "low": "rough guide"}
"""Per-account confidence level → the words the views and lists show."""


@dataclass(frozen=True)
class RankingScore:
    """How well one ranking orders the accounts by the target (Spearman, −1…1; None if it cannot be scored)."""

    name: str
    spearman: float | None


@dataclass(frozen=True)
class PotentialValidation:
    """The check of long-term potential against simple rankings, and what was used as a result."""

    method: str
    """"back-test" | "cross-validation" | "none"."""
    target: str
    """What the rankings were scored against, in words."""
    accounts: int
    model: float | None
    baselines: list[RankingScore] = field(default_factory=list)
    used: str = "model"
    """"model" or the name of the simple ranking that beat it (potential then follows that ranking)."""
    confidence: str = "rough guide"
    """"good", "fair" or "rough guide": never better than the out-of-sample score supports."""

    @property
    def best_baseline(self) -> RankingScore | None:
        """The simple ranking with the highest score (None when none could be scored)."""
        scored = [b for b in self.baselines if b.spearman is not None]
        return max(scored, key=lambda b: b.spearman or 0.0) if scored else None

    @property
    def beats_baselines(self) -> bool | None:
        """True when the model ranks better than every simple ranking (None when not checked)."""
        if self.model is None:
            return None
        best = self.best_baseline
        return best is None or self.model > (best.spearman or 0.0) + _MARGIN

    @property
    def sentence(self) -> str:
        """One sentence for the views and the report (computed here once)."""
        if self.method == "none" or self.model is None:
            return (
                f"Potential could not be checked ({self.target}); treat it as a rough guide."
                if self.target
                else "Potential could not be checked; treat it as a rough guide."
            )
        how = "In a back-test" if self.method == "back-test" else "In 5-fold cross-validation"
        others = ", ".join(f"by {b.name} {b.spearman:.2f}" for b in self.baselines if b.spearman is not None)
        versus = f" against simple rankings ({others})" if others else ""
        verdict = (
            "so the model is used"
            if self.used == "model"
            else f"the model does not beat ranking by {self.used}, so potential follows that ranking"
        )
        return (
            f"{how} over {self.accounts:,} accounts ({self.target}), the potential model ranks with Spearman "
            f"{self.model:.2f}{versus}: {verdict}. Confidence: {self.confidence}."
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: method, target, accounts, model and baseline scores, used, confidence, sentence."""
        best = self.best_baseline
        return {
            "method": self.method,
            "target": self.target,
            "accounts": self.accounts,
            "model_spearman": plain_float(self.model),
            "baselines": {b.name: plain_float(b.spearman) for b in self.baselines},
            "best_baseline": None if best is None else best.name,
            "beats_baselines": self.beats_baselines,
            "used": self.used,
            "confidence": self.confidence,
            "sentence": self.sentence,
        }


def spearman(predicted: np.ndarray, actual: np.ndarray) -> float | None:
    """Spearman rank correlation over the pairs where both are known (None with < 30 pairs or no spread)."""
    predicted = np.asarray(predicted, dtype=float)
    actual = np.asarray(actual, dtype=float)
    known = np.isfinite(predicted) & np.isfinite(actual)
    if known.sum() < _MIN_ACCOUNTS or np.ptp(predicted[known]) == 0 or np.ptp(actual[known]) == 0:
        return None
    return float(spearmanr(predicted[known], actual[known]).statistic)


def judge(
    method: str,
    target: str,
    *,
    accounts: int,
    model: float | None,
    baselines: dict[str, np.ndarray],
    actual: np.ndarray,
) -> PotentialValidation:
    """Score each simple ranking against `actual`, pick what to use and the confidence in words."""
    scores = [RankingScore(name, spearman(values, actual)) for name, values in baselines.items()]
    scores = [s for s in scores if s.spearman is not None]
    check = PotentialValidation(method=method, target=target, accounts=accounts, model=model, baselines=scores)
    best = check.best_baseline
    used = "model" if check.beats_baselines or best is None else best.name
    top = model if used == "model" else (best.spearman if best else None)
    confidence = "good" if (top or 0.0) >= GOOD else "fair" if (top or 0.0) >= FAIR else "rough guide"
    return PotentialValidation(
        method=method, target=target, accounts=accounts, model=model, baselines=scores, used=used, confidence=confidence
    )


def not_checked(reason: str) -> PotentialValidation:
    """A validation that could not run, with the reason in words."""
    return PotentialValidation(method="none", target=reason, accounts=0, model=None)
