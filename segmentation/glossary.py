"""Plain-language definitions of the measures the studio shows, for the glossary page and tooltips."""

from __future__ import annotations

GLOSSARY: dict[str, str] = {
    "ARR": "Annual recurring revenue: what the customer pays per year on their subscription, "
    "without one-off fees. MRR (monthly) × 12.",
    "MRR": "Monthly recurring revenue. The studio turns it into ARR (× 12) when the file is monthly.",
    "NRR": "Net revenue retention: this year's revenue from last year's customers divided by last year's "
    "revenue from them. Above 100% means existing customers grow faster than they shrink or leave.",
    "GRR": "Gross revenue retention: like NRR but growth is left out, so it shows only what was kept (at most 100%).",
    "Gini": "How unequally revenue is spread over customers: 0 means everyone pays the same, "
    "close to 1 means one customer pays nearly everything.",
    "HHI": "Herfindahl–Hirschman index: the sum of each customer's squared share of revenue (0–1). "
    "Above 0.15 the revenue hangs on a few accounts.",
    "ABC classes": "A: the largest customers that together bring the first 80% of revenue (by default); "
    "B: the next ones up to 95%; C: the rest.",
    "Pareto (80/20)": "The share of revenue that the top 20% of customers bring, and the share of customers "
    "it takes to reach 80% of revenue.",
    "Segment": "A group of customers that look alike on the criteria chosen (size, industry, usage …), "
    "found by the method chosen on the Segments page.",
    "Silhouette": "How clearly customers sit in their own segment rather than the next one "
    "(−1 to 1; above 0.25 is a usable split). Shown as detail only.",
    "Stability": "How often the same segments come back when the data is resampled (0–1; above 0.8 is stable).",
    "Potential": "Short term: what the account could add within a year (seats, usage near the limit). "
    "Long term: what similar, mature accounts earn today, less what this one earns.",
    "Service model": "How an account is served: high-touch (a named CSM), medium-touch (pooled CSMs) "
    "or tech-touch (digital programme), decided from current revenue and potential within capacity.",
    "Priority score": "0–100: current revenue and potential combined; the highest scores get the "
    "high-touch places first when capacity is short.",
    "Cost to serve": "What serving the account costs a year under its service model (the costs are set on "
    "the Service models page).",
    "Revenue tiers": "Top, middle and lower tier of what accounts pay today: by default the top 10% and the "
    "bottom half of the accounts (of those that pay, when most pay nothing). The top tier never starts above "
    "the revenue high-touch costs 5% of (240k at 12k a year), nor the middle tier above 60k (medium-touch at 3k).",
}
"""Term → one or two sentences a sales leader reads; keys are shown as written."""
