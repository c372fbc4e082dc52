"""Generate the bundled sample data: a synthetic B2B SaaS account export and its invoice lines.

Run ``python sample_data/generate.py`` (or ``make sample``); it writes next to itself:

- ``saas_accounts.csv``: 3,000 accounts, one row each (the customer-grain path);
- ``saas_invoices.csv``: one row per invoice line over the 24 months before the export date
  (the transactions path);
- ``truth/accounts_truth.csv``: what was planted and is never in the export (behavioural group,
  true long- and short-term potential, churn date), so tests can check the analysis against it.

Everything comes from ``numpy.random.default_rng(2026)`` in a fixed order, so two runs give
byte-identical files. See ``truth/README.md`` for the planted structure and its formulas.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 2026
N_ACCOUNTS = 3000
EXPORT_DATE = np.datetime64("2026-10-01")
HISTORY_YEARS = 6
INVOICE_MONTHS = 24

INDUSTRIES = {  # name: (share of accounts, long-term potential multiplier)
    "Software": (0.22, 1.30),
    "FinTech": (0.16, 1.45),
    "Retail & E-commerce": (0.14, 0.85),
    "Healthcare": (0.12, 1.15),
    "Manufacturing": (0.11, 0.80),
    "Education": (0.09, 0.60),
    "Media": (0.08, 0.90),
    "Logistics": (0.08, 0.75),
}
REGIONS = {  # name: (share of accounts, long-term potential multiplier, {country: share within region})
    "North America": (0.45, 1.20, {"United States": 0.85, "Canada": 0.15}),
    "EMEA": (0.30, 1.00, {"United Kingdom": 0.35, "Germany": 0.30, "France": 0.20, "Netherlands": 0.15}),
    "APAC": (0.15, 0.85, {"Australia": 0.40, "Japan": 0.25, "Singapore": 0.20, "India": 0.15}),
    "LATAM": (0.10, 0.55, {"Brazil": 0.60, "Mexico": 0.40}),
}
LEGAL_SUFFIX = {
    "United States": "Inc.",
    "Canada": "Inc.",
    "United Kingdom": "Ltd",
    "Germany": "GmbH",
    "France": "SAS",
    "Netherlands": "B.V.",
    "Australia": "Pty Ltd",
    "Japan": "K.K.",
    "Singapore": "Pte Ltd",
    "India": "Pvt Ltd",
    "Brazil": "Ltda",
    "Mexico": "S.A. de C.V.",
}
PLANS = ["Starter", "Growth", "Business", "Enterprise"]
PRICE_PER_SEAT = np.array([300.0, 480.0, 720.0, 1080.0])  # list price per seat per year, by plan
PLAN_PENETRATION_EFFECT = np.array([-0.40, 0.0, 0.35, 0.70])  # bigger plans are sold deeper into the account
MONTHLY_BILLING_SHARE = np.array([0.90, 0.65, 0.30, 0.05])  # share of accounts billed monthly, by plan

# Planted behavioural groups: only these four columns depend on the group.
GROUPS = ["Power users", "Steady", "Struggling", "Dormant"]
GROUP_SIZES = [900, 1050, 600, 450]  # 30/35/20/15 %
GROUP_BEHAVIOUR = {  # logins mean/sd, adoption mean/sd, tickets mean, NPS mean/sd
    "Power users": (24.0, 5.0, 74.0, 9.0, 1.5, 8.9, 1.0),
    "Steady": (13.0, 3.5, 46.0, 8.0, 3.5, 7.2, 1.1),
    "Struggling": (6.5, 3.0, 24.0, 8.0, 12.0, 3.2, 1.3),
    "Dormant": (1.5, 1.2, 8.0, 4.5, 0.6, 6.0, 1.3),
}
CHURN_PROBABILITY = {"Power users": 0.04, "Steady": 0.07, "Struggling": 0.18, "Dormant": 0.22}
NPS_BLANK_SHARE = 0.06

FIRST_WORDS = [
    "Amber",
    "Apex",
    "Arrow",
    "Atlas",
    "Beacon",
    "Birch",
    "Blue",
    "Bright",
    "Canyon",
    "Cedar",
    "Clear",
    "Cobalt",
    "Copper",
    "Crest",
    "Crimson",
    "Delta",
    "Ember",
    "Evergreen",
    "Falcon",
    "Forge",
    "Golden",
    "Granite",
    "Harbor",
    "Harvest",
    "Helix",
    "Horizon",
    "Iron",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Lumen",
    "Maple",
    "Meridian",
    "Nimbus",
    "North",
    "Nova",
    "Oak",
    "Onyx",
    "Orbit",
    "Pine",
    "Pioneer",
    "Polar",
    "Prism",
    "Quartz",
    "Redwood",
    "Ridge",
    "River",
    "Sage",
    "Sierra",
    "Silver",
    "Slate",
    "Solar",
    "Spruce",
    "Stone",
    "Summit",
    "Swift",
    "Terra",
    "Tidal",
    "True",
    "Union",
    "Vantage",
    "Vector",
    "Vertex",
    "Willow",
    "Zenith",
]
SECOND_WORDS = [
    "Bay",
    "Bridge",
    "Core",
    "Field",
    "Gate",
    "Grove",
    "Hill",
    "Leaf",
    "Light",
    "Line",
    "Loop",
    "Mark",
    "Path",
    "Peak",
    "Point",
    "Port",
    "Rock",
    "Shift",
    "Side",
    "Spark",
    "Stream",
    "View",
    "Wave",
    "Way",
    "Well",
    "Wing",
    "Works",
    "Yard",
]
INDUSTRY_WORDS = {
    "Software": ["Software", "Systems", "Technologies", "Cloud", "Data", "Digital"],
    "FinTech": ["Capital", "Payments", "Finance", "Ledger", "Credit", "Financial"],
    "Retail & E-commerce": ["Commerce", "Goods", "Outfitters", "Market", "Retail", "Supply"],
    "Healthcare": ["Health", "Medical", "Care", "Clinics", "Diagnostics", "Biolabs"],
    "Manufacturing": ["Manufacturing", "Industries", "Components", "Fabrication", "Machines", "Materials"],
    "Education": ["Learning", "Academy", "Education", "Schools", "Tutoring", "Campus"],
    "Media": ["Media", "Studios", "Publishing", "Broadcasting", "Pictures", "Creative"],
    "Logistics": ["Logistics", "Freight", "Shipping", "Transport", "Fleet", "Cargo"],
}


@dataclass(frozen=True)
class SampleData:
    """The generated tables: the two exports and the truth file."""

    accounts: pd.DataFrame
    invoices: pd.DataFrame
    truth: pd.DataFrame


def _pick(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    """Draw `size` labels with the given shares (normalised)."""
    names = list(shares)
    weights = np.array([shares[name] for name in names])
    return np.array(names, dtype=object)[rng.choice(len(names), size=size, p=weights / weights.sum())]


def _employees(rng: np.random.Generator, size: int) -> np.ndarray:
    """Heavy-tailed head counts in 10..20,000: a lognormal truncated by redrawing out-of-range values."""
    values = np.empty(size)
    todo = np.arange(size)
    while todo.size:
        draw = np.exp(rng.normal(math.log(110.0), 1.6, todo.size))
        ok = (draw >= 10) & (draw <= 20_000)
        values[todo[ok]] = draw[ok]
        todo = todo[~ok]
    return np.round(values).astype(np.int64)


def _company_names(rng: np.random.Generator, industry: np.ndarray, country: np.ndarray) -> list[str]:
    """Unique plausible names such as 'Cedar Point Logistics GmbH', from word lists."""
    names: list[str] = []
    seen: set[str] = set()
    for ind, ctry in zip(industry, country, strict=True):
        while True:
            first = FIRST_WORDS[rng.integers(len(FIRST_WORDS))]
            second = SECOND_WORDS[rng.integers(len(SECOND_WORDS))]
            noun = INDUSTRY_WORDS[ind][rng.integers(len(INDUSTRY_WORDS[ind]))]
            name = f"{first} {second} {noun} {LEGAL_SUFFIX[ctry]}"
            if name not in seen:
                seen.add(name)
                names.append(name)
                break
    return names


def _iso(dates: np.ndarray) -> np.ndarray:
    """ISO yyyy-mm-dd text for an array of datetime64[D] (empty text for NaT)."""
    text = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D")
    return np.where(np.isnat(dates), "", text)


def _add_years(dates: np.ndarray, years: np.ndarray | int) -> np.ndarray:
    """Same month and day `years` later (days are at most 28, so no month overflow)."""
    months = dates.astype("datetime64[M]")
    day_offset = dates - months.astype("datetime64[D]")
    return (months + np.asarray(years) * 12).astype("datetime64[D]") + day_offset


def top_share(values: np.ndarray, share: float = 0.2) -> float:
    """Share of the total held by the ⌈share·n⌉ largest values."""
    ordered = np.sort(np.asarray(values, dtype=float))[::-1]
    top = math.ceil(share * ordered.size)
    return float(ordered[:top].sum() / ordered.sum())


def generate_accounts(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The account export, the truth table and hidden billing facts (signup, monthly or not, churn, plan).

    Each step below draws from `rng` in turn; their order is the order of the draws, so it fixes
    the bytes of the sample files.
    """
    n = N_ACCOUNTS
    industry, region, country = _firmographics(rng, n)
    employees = _employees(rng, n)
    # Plan follows size (ordinal cut points on log head count plus noise).
    plan_score = np.log(employees) + rng.normal(0.0, 0.9, n)
    plan_idx = np.searchsorted(np.log([45.0, 220.0, 1100.0]), plan_score)
    signup = _signup_dates(rng, n)
    long_term, arr = _potential_and_arr(rng, employees, industry, region, signup=signup, plan_idx=plan_idx)
    seats_purchased, seats_used, monthly_active_users = _seats(rng, arr, plan_idx, employees)
    short_term = _short_term_potential(rng, arr, long_term, seats_purchased, seats_used)
    group, behaviour = _planted_behaviour(rng, n)
    monthly, churn_date, renewal = _billing(rng, group, signup, plan_idx)

    account_id = np.array([f"ACC-{i:05d}" for i in range(1, n + 1)], dtype=object)
    accounts = pd.DataFrame(
        {
            "account_id": account_id,
            "account_name": _company_names(rng, industry, country),
            "industry": industry,
            "country": country,
            "region": region,
            "employees": employees,
            "plan": np.array(PLANS, dtype=object)[plan_idx],
            "seats_purchased": seats_purchased,
            "seats_used": seats_used,
            "arr": arr,
            "signup_date": _iso(signup),
            "monthly_active_users": monthly_active_users,
            "logins_30d": behaviour["logins_30d"],
            "feature_adoption_pct": behaviour["feature_adoption_pct"],
            "support_tickets_90d": behaviour["support_tickets_90d"],
            "nps_score": pd.Series(behaviour["nps_score"], dtype="Int64"),
            "renewal_date": _iso(renewal),
        }
    )
    truth = pd.DataFrame(
        {
            "account_id": account_id,
            "planted_group": group,
            "true_long_term_potential": np.round(long_term, 2),
            "true_short_term_potential": np.round(short_term, 2),
            "penetration": np.round(arr / long_term, 4),
            "billing_period": np.where(monthly, "monthly", "annual"),
            "churn_date": _iso(churn_date),
        }
    )
    hidden = pd.DataFrame({"signup": signup, "monthly": monthly, "churn": churn_date, "plan_idx": plan_idx})
    return accounts, truth, hidden


def _firmographics(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Industry, region and a country within the region for `n` accounts, by the shares in the tables above."""
    industry = _pick(rng, {k: v[0] for k, v in INDUSTRIES.items()}, n)
    region = _pick(rng, {k: v[0] for k, v in REGIONS.items()}, n)
    country = np.empty(n, dtype=object)
    for name, (_, _, countries) in REGIONS.items():
        mask = region == name
        country[mask] = _pick(rng, countries, int(mask.sum()))
    return industry, region, country


def _signup_dates(rng: np.random.Generator, n: int) -> np.ndarray:
    """Signup dates over the last six years, more of them recent (the vendor grew), on a 28th at the latest."""
    # Truncated exponential ages (inverse CDF), mean scale five years, at most six.
    tail = 1.0 - math.exp(-HISTORY_YEARS / 5.0)
    age_years_drawn = -5.0 * np.log1p(-rng.random(n) * tail)
    age_days = np.minimum(age_years_drawn * 365.25, HISTORY_YEARS * 365.0 - 1.0).astype(np.int64) + 1
    signup = EXPORT_DATE - age_days.astype("timedelta64[D]")
    # Billing anchors on the 28th at the latest so monthly and yearly dates always exist.
    signup_day = signup - signup.astype("datetime64[M]").astype("datetime64[D]")
    return np.where(signup_day > np.timedelta64(27, "D"), signup - (signup_day - np.timedelta64(27, "D")), signup)


def _potential_and_arr(
    rng: np.random.Generator,
    employees: np.ndarray,
    industry: np.ndarray,
    region: np.ndarray,
    *,
    signup: np.ndarray,
    plan_idx: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """True long-term potential and current ARR (its share sold so far, rising with age and plan)."""
    age_years = (EXPORT_DATE - signup).astype(np.int64) / 365.25
    # True long-term potential: power law in head count, industry and region multipliers, lognormal noise.
    industry_mult = np.array([INDUSTRIES[i][1] for i in industry])
    region_mult = np.array([REGIONS[r][1] for r in region])
    n = employees.size
    long_term = 300.0 * employees**0.85 * industry_mult * region_mult * np.exp(rng.normal(0.0, 0.35, n))
    # Current ARR = long-term potential × penetration; penetration rises with age and plan.
    logit = -1.6 + 0.75 * age_years + PLAN_PENETRATION_EFFECT[plan_idx] + rng.normal(0.0, 0.7, n)
    penetration = 0.04 + 0.96 / (1.0 + np.exp(-logit))
    arr = np.round(np.maximum(long_term * penetration, PRICE_PER_SEAT[0]), 2)
    return np.maximum(long_term, arr), arr


def _seats(
    rng: np.random.Generator, arr: np.ndarray, plan_idx: np.ndarray, employees: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seats purchased (ARR over a discounted per-seat price, at most the head count), seats used and monthly users."""
    n = arr.size
    discount = rng.uniform(0.70, 1.05, n)
    seats_purchased = np.clip(np.round(arr / (PRICE_PER_SEAT[plan_idx] * discount)), 1, employees).astype(np.int64)
    utilisation = np.clip(rng.normal(0.78, 0.17, n), 0.15, 1.40)
    seats_used = np.maximum(np.round(seats_purchased * utilisation), 0).astype(np.int64)
    monthly_active_users = np.round(seats_used * rng.uniform(0.45, 0.95, n)).astype(np.int64)
    return seats_purchased, seats_used, monthly_active_users


def _short_term_potential(
    rng: np.random.Generator, arr: np.ndarray, long_term: np.ndarray, purchased: np.ndarray, used: np.ndarray
) -> np.ndarray:
    """True short-term potential: a seat true-up when over-using, plus the share of the gap reachable in a year."""
    used_share = used / purchased
    gap = long_term - arr
    seat_pull = np.clip((used_share - 0.75) / 0.35, 0.0, 1.0)
    capture = (0.05 + 0.40 * seat_pull) * np.exp(rng.normal(0.0, 0.25, arr.size))
    seat_price = arr / purchased
    true_up = np.maximum(used - purchased, 0) * seat_price
    return np.clip(capture * gap + true_up, 0.0, gap)


def _planted_behaviour(rng: np.random.Generator, n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The planted behavioural groups (independent of everything else) and the usage columns each group drives.

    Returns the group per account and logins_30d, feature_adoption_pct, support_tickets_90d and
    nps_score (blank for a share of accounts).
    """
    group = np.repeat(np.array(GROUPS, dtype=object), GROUP_SIZES)[rng.permutation(n)]
    logins = np.empty(n)
    adoption = np.empty(n)
    tickets = np.empty(n, dtype=np.int64)
    nps = np.empty(n)
    for name, (lg_mu, lg_sd, ad_mu, ad_sd, tk_mu, np_mu, np_sd) in GROUP_BEHAVIOUR.items():
        mask = group == name
        m = int(mask.sum())
        logins[mask] = rng.normal(lg_mu, lg_sd, m)
        adoption[mask] = rng.normal(ad_mu, ad_sd, m)
        tickets[mask] = rng.negative_binomial(40, 40 / (40 + tk_mu), m)  # Poisson-like, a little over-dispersed
        nps[mask] = rng.normal(np_mu, np_sd, m)
    nps_score = np.clip(np.round(nps), 0, 10)
    nps_score[rng.choice(n, size=round(NPS_BLANK_SHARE * n), replace=False)] = np.nan
    return group, {
        "logins_30d": np.clip(np.round(logins), 0, None).astype(np.int64),
        "feature_adoption_pct": np.round(np.clip(adoption, 0.0, 100.0), 1),
        "support_tickets_90d": tickets,
        "nps_score": nps_score,
    }


def _billing(
    rng: np.random.Generator, group: np.ndarray, signup: np.ndarray, plan_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monthly or annual billing by plan, the churn date (stops being invoiced; NaT when active) and the renewal date.

    Churn is more likely in weak groups; an annual contract ends on an anniversary with a renewal
    invoice inside the window, so every account has invoices.
    """
    n = group.size
    monthly = rng.random(n) < MONTHLY_BILLING_SHARE[plan_idx]
    churn_p = np.array([CHURN_PROBABILITY[g] for g in group])
    window_start = (EXPORT_DATE.astype("datetime64[M]") - INVOICE_MONTHS).astype("datetime64[D]")
    earliest = np.maximum(signup + 90, window_start + 30)
    latest = EXPORT_DATE - 60
    can_churn = earliest < latest
    churned = (rng.random(n) < churn_p) & can_churn
    span = np.where(can_churn, (latest - earliest).astype(np.int64), 1)
    churn_date = earliest + (rng.random(n) * span).astype("timedelta64[D]")
    # Annual contracts end on an anniversary: move the churn date to the next one.
    years_in = np.ceil((churn_date - signup).astype(np.int64) / 365.25).astype(np.int64)
    anniversary = _add_years(signup, years_in)
    # … and only when a renewal invoice falls inside the window before it, so every account has invoices.
    annual_ok = (anniversary < EXPORT_DATE) & (_add_years(signup, years_in - 1) >= window_start)
    churned &= monthly | annual_ok
    churn_date = np.where(monthly, churn_date, anniversary)
    churn_date = np.where(churned, churn_date, np.datetime64("NaT"))
    # Renewal: next contract anniversary (monthly: next billing day) after the export; churned: the missed one.
    next_year = _add_years(signup, np.ceil((EXPORT_DATE - signup).astype(np.int64) / 365.25).astype(np.int64))
    next_year = np.where(next_year < EXPORT_DATE, _add_years(next_year, 1), next_year)
    return monthly, churn_date, np.where(churned, churn_date, next_year)


def generate_invoices(rng: np.random.Generator, accounts: pd.DataFrame, hidden: pd.DataFrame) -> pd.DataFrame:
    """Invoice lines over the 24 months before the export date, net of refunds and credit notes."""
    window_months = EXPORT_DATE.astype("datetime64[M]") - INVOICE_MONTHS + np.arange(INVOICE_MONTHS)
    n = len(accounts)
    arr = accounts["arr"].to_numpy(dtype=float)
    plan_idx = hidden["plan_idx"].to_numpy()
    signup = hidden["signup"].to_numpy(dtype="datetime64[D]")
    churn = hidden["churn"].to_numpy(dtype="datetime64[D]")
    monthly = hidden["monthly"].to_numpy()
    # An expansion during the window for some accounts: before it the account paid less.
    expanded = rng.random(n) < 0.30
    step_date = signup + (rng.random(n) * (EXPORT_DATE - signup).astype(np.int64)).astype("timedelta64[D]")
    step_date = np.maximum(step_date, window_months[0].astype("datetime64[D]"))
    earlier_arr = arr / (1.0 + rng.uniform(0.10, 0.50, n))
    downgraded_plan = np.where(rng.random(n) < 0.5, np.maximum(plan_idx - 1, 0), plan_idx)

    day = signup - signup.astype("datetime64[M]").astype("datetime64[D]")
    rows: list[tuple[np.datetime64, int, float, int, bool, str]] = []
    for i in range(n):
        if monthly[i]:
            dates = window_months.astype("datetime64[D]") + day[i]
        else:
            years = np.arange(-2, 1) + (EXPORT_DATE - signup[i]).astype(np.int64) // 365
            dates = _add_years(np.full(years.size, signup[i]), years)
            dates = dates[dates >= window_months[0].astype("datetime64[D]")]
        dates = dates[(dates >= signup[i]) & (dates < EXPORT_DATE)]
        if not np.isnat(churn[i]):
            dates = dates[dates < churn[i]]
        for date in dates:
            before_step = bool(expanded[i] and date < step_date[i])
            value = earlier_arr[i] if before_step else arr[i]
            plan = int(downgraded_plan[i] if before_step else plan_idx[i])
            amount = value / 12.0 if monthly[i] else value
            period = "monthly" if monthly[i] else "annual"
            rows.append(
                (date, i, round(amount, 2), plan, bool(monthly[i]), f"{PLANS[plan]} plan, {period} subscription")
            )
    lines = pd.DataFrame(rows, columns=["date", "account", "amount", "plan", "monthly", "description"])

    # A few one-off services invoices (onboarding, training) for some accounts.
    services = rng.choice(n, size=n // 30, replace=False)
    services_dates = signup[services] + rng.integers(5, 60, services.size).astype("timedelta64[D]")
    keep = (services_dates >= window_months[0].astype("datetime64[D]")) & (services_dates < EXPORT_DATE)
    one_offs = pd.DataFrame(
        {
            "date": services_dates[keep],
            "account": services[keep],
            "amount": np.round(arr[services[keep]] * rng.uniform(0.02, 0.06, int(keep.sum())), 2),
            "plan": plan_idx[services[keep]],
            "monthly": monthly[services[keep]],
            "description": "Onboarding services",
        }
    )

    # About 1% of lines are refunds or credit notes against an earlier line, a few days to weeks later.
    picked = rng.choice(len(lines), size=round(0.01 * len(lines)), replace=False)
    origin = lines.iloc[np.sort(picked)]
    fraction = np.where(origin["monthly"], rng.uniform(0.3, 1.0, len(origin)), rng.uniform(0.05, 0.30, len(origin)))
    refund_dates = origin["date"].to_numpy(dtype="datetime64[D]") + rng.integers(3, 40, len(origin)).astype(
        "timedelta64[D]"
    )
    refunds = pd.DataFrame(
        {
            "date": np.minimum(refund_dates, EXPORT_DATE - 1),
            "account": origin["account"].to_numpy(),
            "amount": -np.round(origin["amount"].to_numpy() * fraction, 2),
            "plan": origin["plan"].to_numpy(),
            "monthly": origin["monthly"].to_numpy(),
            "description": np.where(rng.random(len(origin)) < 0.5, "Refund", "Credit note"),
        }
    )

    allrows = pd.concat([lines, one_offs, refunds], ignore_index=True)
    allrows["date"] = allrows["date"].astype("datetime64[s]")
    allrows = allrows.sort_values(["date", "account", "amount"], ascending=[True, True, False], kind="stable")
    allrows = allrows.reset_index(drop=True)
    return pd.DataFrame(
        {
            "invoice_id": [f"INV-{i:06d}" for i in range(1, len(allrows) + 1)],
            "account_id": accounts["account_id"].to_numpy()[allrows["account"].to_numpy()],
            "invoice_date": allrows["date"].dt.strftime("%Y-%m-%d"),
            "amount": allrows["amount"].to_numpy(),
            "plan": np.array(PLANS, dtype=object)[allrows["plan"].to_numpy(dtype=np.int64)],
            "billing_period": np.where(allrows["monthly"].to_numpy(dtype=bool), "monthly", "annual"),
            "description": allrows["description"].to_numpy(),
        }
    )


def generate(seed: int = SEED) -> SampleData:
    """Build all tables from one seeded generator; checks the planted revenue concentration."""
    rng = np.random.default_rng(seed)
    accounts, truth, hidden = generate_accounts(rng)
    invoices = generate_invoices(rng, accounts, hidden)
    share = top_share(accounts["arr"].to_numpy())
    if not 0.70 <= share <= 0.80:
        msg = f"top-20% ARR share is {share:.3f}, outside 0.70–0.80: retune the generator"
        raise AssertionError(msg)
    if (accounts["arr"] <= 0).any():
        msg = "an account has ARR ≤ 0"
        raise AssertionError(msg)
    return SampleData(accounts=accounts, invoices=invoices, truth=truth)


PREVIOUS_DATE = np.datetime64("2026-07-01")
"""The earlier quarter's export date (saas_accounts_previous.csv)."""
PREVIOUS_SEED_OFFSET = 15
"""The earlier snapshot draws from its own generator (seed + 15), so the other files keep their bytes."""
PREVIOUS_EXPANDED_SHARE = 0.25
PREVIOUS_CONTRACTED_SHARE = 0.08
PREVIOUS_LOST_ACCOUNTS = 120
PREVIOUS_GROUP_MOVES = {  # group now: (group a quarter ago, share of the group that came from it)
    "Power users": ("Steady", 0.15),
    "Steady": ("Power users", 0.10),
    "Struggling": ("Steady", 0.30),
    "Dormant": ("Struggling", 0.25),
}


def _behaviour(rng: np.random.Generator, groups: np.ndarray) -> dict[str, np.ndarray]:
    """Logins, adoption, tickets and NPS drawn for each account's planted group (as in `generate_accounts`)."""
    n = len(groups)
    logins, adoption, nps = np.zeros(n), np.zeros(n), np.zeros(n)
    tickets = np.zeros(n, dtype=np.int64)
    for name, (lg_mu, lg_sd, ad_mu, ad_sd, tk_mu, np_mu, np_sd) in GROUP_BEHAVIOUR.items():
        mask = groups == name
        m = int(mask.sum())
        logins[mask] = rng.normal(lg_mu, lg_sd, m)
        adoption[mask] = rng.normal(ad_mu, ad_sd, m)
        tickets[mask] = rng.negative_binomial(40, 40 / (40 + tk_mu), m)
        nps[mask] = rng.normal(np_mu, np_sd, m)
    return {
        "logins_30d": np.clip(np.round(logins), 0, None).astype(np.int64),
        "feature_adoption_pct": np.round(np.clip(adoption, 0.0, 100.0), 1),
        "support_tickets_90d": tickets,
        "nps_score": np.clip(np.round(nps), 0, 10),
    }


def generate_previous(data: SampleData, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same export a quarter earlier (2026-07-01), and what changed since (the planted truth).

    Accounts signed up since then are missing (new this quarter); 120 accounts exist only then (lost
    this quarter); 25% of the others had lower ARR then (expanded since), 8% higher (contracted), the
    rest the same (flat). Some accounts behaved like another planted group then (moved segment).
    """
    rng = np.random.default_rng(seed + PREVIOUS_SEED_OFFSET)
    now = data.accounts.reset_index(drop=True)
    group = data.truth["planted_group"].to_numpy()
    existed = pd.to_datetime(now["signup_date"]).to_numpy() < PREVIOUS_DATE
    before = now[existed].copy().reset_index(drop=True)
    group_now = group[existed]
    n = len(before)
    draw = rng.random(n)
    expanded = draw < PREVIOUS_EXPANDED_SHARE
    contracted = (draw >= PREVIOUS_EXPANDED_SHARE) & (draw < PREVIOUS_EXPANDED_SHARE + PREVIOUS_CONTRACTED_SHARE)
    factor = np.ones(n)
    factor[expanded] = 1.0 / (1.0 + rng.uniform(0.10, 0.60, int(expanded.sum())))
    factor[contracted] = 1.0 / (1.0 - rng.uniform(0.08, 0.35, int(contracted.sum())))
    before["arr"] = np.round(before["arr"].to_numpy() * factor, 2)
    seats = np.round(before["seats_purchased"].to_numpy() * factor)
    before["seats_purchased"] = np.clip(seats, 1, before["employees"].to_numpy()).astype(np.int64)
    group_then = group_now.copy()
    moved = np.zeros(n, dtype=bool)
    for name, (earlier, share) in PREVIOUS_GROUP_MOVES.items():
        members = np.flatnonzero(group_now == name)
        chosen = members[rng.random(len(members)) < share]
        group_then[chosen] = earlier
        moved[chosen] = True
    behaviour = _behaviour(rng, group_then)
    for column, values in behaviour.items():
        before.loc[moved, column] = values[moved]
    before["nps_score"] = pd.array(before["nps_score"], dtype="Int64")

    # Lost this quarter: accounts like the weaker groups' ones, only in the earlier export.
    weak = np.flatnonzero(np.isin(group, ["Struggling", "Dormant"]) & existed)
    template = rng.choice(weak, size=PREVIOUS_LOST_ACCOUNTS, replace=False)
    lost = now.iloc[template].copy().reset_index(drop=True)
    lost["account_id"] = [f"ACC-{9001 + i:05d}" for i in range(PREVIOUS_LOST_ACCOUNTS)]
    lost["account_name"] = _company_names(rng, lost["industry"].to_numpy(), lost["country"].to_numpy())
    lost["account_name"] = [
        f"{name} (earlier)" if name in set(now["account_name"]) else name for name in lost["account_name"]
    ]
    lost_groups = group[template]
    frame = pd.concat([before, lost], ignore_index=True)
    kind = np.where(expanded, "expanded", np.where(contracted, "contracted", "flat"))
    truth = pd.concat(
        [
            pd.DataFrame(
                {
                    "account_id": before["account_id"],
                    "change_type": kind,
                    "group_then": group_then,
                    "group_now": group_now,
                }
            ),
            pd.DataFrame(
                {"account_id": lost["account_id"], "change_type": "lost", "group_then": lost_groups, "group_now": ""}
            ),
            pd.DataFrame(
                {
                    "account_id": now.loc[~existed, "account_id"],
                    "change_type": "new",
                    "group_then": "",
                    "group_now": group[~existed],
                }
            ),
        ],
        ignore_index=True,
    )
    return frame, truth


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8, comma, LF, money with two decimals: the same bytes on every run."""
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.2f", encoding="utf-8")


def main(out_dir: Path | None = None) -> None:
    """Write saas_accounts.csv, saas_invoices.csv and truth/accounts_truth.csv into `out_dir` (default: here)."""
    out = Path(out_dir) if out_dir is not None else Path(__file__).resolve().parent
    data = generate()
    (out / "truth").mkdir(parents=True, exist_ok=True)
    accounts = data.accounts.copy()
    # feature_adoption_pct keeps one decimal; the other floats are money with two.
    accounts["feature_adoption_pct"] = accounts["feature_adoption_pct"].map(lambda v: f"{v:.1f}")
    _write_csv(accounts, out / "saas_accounts.csv")
    _write_csv(data.invoices, out / "saas_invoices.csv")
    truth = data.truth.copy()
    truth["penetration"] = truth["penetration"].map(lambda v: f"{v:.4f}")
    _write_csv(truth, out / "truth" / "accounts_truth.csv")
    previous, changes = generate_previous(data)
    previous["feature_adoption_pct"] = previous["feature_adoption_pct"].map(lambda v: f"{v:.1f}")
    _write_csv(previous, out / "saas_accounts_previous.csv")
    _write_csv(changes, out / "truth" / "previous_truth.csv")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
