"""A generator of synthetic customer files with planted groups, owned by the tests.

Unlike the bundled sample (four behavioural groups of equal-ish shape on four columns), the
groups here are firmographic *and* behavioural, of unequal sizes and shapes (one tight, one wide,
one skewed), under CamelCase and prefixed column names, among columns a default must leave out:
a contact person's name, a plan code, a churn flag, free-text notes, a spend column that is part of
the revenue, and traits drawn independently of the groups (industry, region).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GROUPS = {
    # name: (share, log10 headcount mean, sd, weekly sessions mean, sd, days since last login mean, integrations)
    "Enterprise": (0.15, 3.8, 0.15, 60.0, 8.0, 2.0, 9.0),
    "Mid-market": (0.25, 2.7, 0.15, 30.0, 6.0, 6.0, 5.0),
    "Self-serve": (0.40, 1.3, 0.30, 12.0, 4.0, 12.0, 1.5),
    "Lapsing": (0.20, 1.6, 0.40, 1.5, 1.2, 75.0, 0.5),
}
FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Eve", "Farid", "Grace", "Hiro"]
LAST = ["Okafor", "Smith", "Müller", "Tanaka", "Rossi", "Nguyen", "Silva", "Kaur"]


def planted_accounts(n: int = 2_000, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """Return (file as a frame, planted group per row); the groups are drawn independently of industry and region."""
    rng = np.random.default_rng(seed)
    names = list(GROUPS)
    shares = np.array([GROUPS[g][0] for g in names])
    group = rng.choice(len(names), size=n, p=shares / shares.sum())
    params = np.array([GROUPS[g][1:] for g in names])[group]
    headcount = np.round(10 ** rng.normal(params[:, 0], params[:, 1])).clip(1)
    sessions = rng.normal(params[:, 2], params[:, 3]).clip(0).round(1)
    last_login = rng.gamma(4.0, params[:, 4] / 4.0).round()
    integrations = rng.poisson(params[:, 5]).astype(float)
    seats_price = rng.uniform(300, 600, n)
    licence = np.round(headcount**0.8 * seats_price * rng.lognormal(0, 0.5, n), 2)
    services = np.round(licence * rng.uniform(0.0, 0.3, n), 2)
    frame = pd.DataFrame(
        {
            "AcctRef": [f"R{i:05d}" for i in range(n)],
            "AccountOwner": [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(n)],
            "Industry": rng.choice(["Banking", "Retail", "Health", "Media", "Logistics"], size=n),
            "SalesRegion": rng.choice(["North", "South", "East", "West"], size=n),
            "PlanCode": rng.choice(["P-100", "P-200", "P-300", "P-450"], size=n),
            "CompanyHeadcount": headcount,
            "WeeklySessions": sessions,
            "DaysSinceLastLogin": last_login,
            "IntegrationsEnabled": integrations,
            "LicenceFees": licence,
            "ServicesFees": services,
            "TotalContractValue": np.round(licence + services, 2),
            "Churned": np.where(rng.random(n) < np.where(group == 3, 0.3, 0.05), "Yes", "No"),
            "Notes": [f"Call on {rng.integers(1, 28)} {rng.choice(['May', 'June'])} about renewal" for _ in range(n)],
        }
    )
    return frame, np.array(names)[group]
