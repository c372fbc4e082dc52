"""A generator of hostile and unusual inputs for the CLI and the core (owned by the tests).

Every case is built here from a seeded random generator, so the suite needs no fixture files:
a small accounts table (or transactions, or a related table) with one twist each: formula text
split by bare carriage returns, invalid UTF-8 late in the file, cp1252 text, mixed currencies,
degenerate money, settings that make no sense, dates beyond pandas' range, overflowing numbers,
Parquet list columns, huge fields, wide files and so on.

A case says what a correct run looks like: ``"error"`` (exit 2 with one line), ``"ok"`` (an
analysis whose exports read back cleanly) or ``"either"``, plus text its error or its notes and
ledger must hold.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["error", "ok", "either"]

INDUSTRIES = ("Software", "Retail", "Healthcare", "FinTech", "Manufacturing")
COUNTRIES = ("United States", "Germany", "France", "United Kingdom", "Spain")
PLANS = ("Starter", "Growth", "Enterprise")


@dataclass
class Case:
    """One hostile input: the files, the extra CLI arguments and what a correct run looks like."""

    name: str
    files: dict[str, bytes]
    """File name → bytes; the first is the primary file."""
    outcome: Outcome
    args: list[str] = field(default_factory=list)
    """Extra CLI arguments; ``{dir}`` is replaced by the folder holding the files."""
    config: dict[str, object] | bytes | None = None
    """Settings passed with --config (a dict is written as JSON)."""
    error_says: tuple[str, ...] = ()
    """Words the one-line error must contain (lower case)."""
    notes_say: tuple[str, ...] = ()
    """Words the notes or the ledger reasons of a successful run must contain (lower case)."""
    customers: int | None = None
    """How many customers a successful run must report."""


# --------------------------------------------------------------------------- base tables


def account_rows(count: int = 60, seed: int = 13) -> list[dict[str, str]]:
    """Accounts with ID, name, industry, country, plan, employees, ARR and a signup date, as text."""
    rng = random.Random(seed)
    rows = []
    for number in range(1, count + 1):
        employees = int(rng.lognormvariate(4.5, 1.2)) + 1
        arr = round(employees * rng.uniform(60, 240), 2)
        rows.append(
            {
                "account_id": f"C{number:05d}",
                "company": f"Company {number}",
                "industry": rng.choice(INDUSTRIES),
                "country": rng.choice(COUNTRIES),
                "plan": rng.choice(PLANS),
                "employees": str(employees),
                "arr": f"{arr:.2f}",
                "signup_date": f"20{rng.randint(18, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            }
        )
    return rows


def transaction_rows(customers: int = 40, seed: int = 17) -> list[dict[str, str]]:
    """Invoices: several rows per customer with an invoice number, a date and an amount."""
    rng = random.Random(seed)
    rows = []
    invoice = 1000
    for number in range(1, customers + 1):
        for _ in range(rng.randint(1, 6)):
            invoice += 1
            rows.append(
                {
                    "customer_id": f"K{number:04d}",
                    "invoice_no": str(invoice),
                    "invoice_date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "amount": f"{rng.uniform(20, 900):.2f}",
                }
            )
    return rows


def to_csv(rows: list[dict[str, str]], *, encoding: str = "utf-8", terminator: str = "\r\n") -> bytes:
    """Rows written as CSV (CRLF records, so fields holding \\r or \\n are quoted)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator=terminator)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def raw_csv(header: list[str], lines: list[list[str]], terminator: str = "\n") -> bytes:
    """Lines joined with commas and no quoting at all (for inputs a CSV writer would not make)."""
    return (terminator.join(",".join(line) for line in [header, *lines]) + terminator).encode("utf-8")


def with_column(rows: list[dict[str, str]], column: str, value: Callable[[int], str]) -> list[dict[str, str]]:
    """A copy of `rows` with `column` set to ``value(position)``."""
    return [{**row, column: value(position)} for position, row in enumerate(rows)]


def parquet_with_nested() -> bytes:
    """Accounts as Parquet with a list column and a struct column beside the plain ones."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = account_rows(40)
    table = pa.table(
        {
            "account_id": [r["account_id"] for r in rows],
            "industry": [r["industry"] for r in rows],
            "arr": [float(r["arr"]) for r in rows],
            "tags": [["a", "b"][: position % 3] for position in range(len(rows))],
            "address": [{"city": "X", "zip": str(position)} for position in range(len(rows))],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- the cases


def _injection_cases() -> list[Case]:
    rows = account_rows(50)
    carriage = with_column(rows, "industry", lambda i: "Retail\r@SUM(1)" if i % 3 == 0 else "Software")
    lf = with_column(rows, "industry", lambda i: "Retail\n=HYPERLINK(1)" if i % 4 == 0 else "Software")
    leading = with_column(rows, "company", lambda i: ["=1+1", "+cmd", "-x", "@A1", "\tTab", "\rCR"][i % 6])
    return [
        Case("cr_inside_category", {"accounts.csv": to_csv(carriage)}, "ok", customers=50),
        Case("lf_inside_category", {"accounts.csv": to_csv(lf)}, "ok", customers=50),
        Case("formula_starts", {"accounts.csv": to_csv(leading)}, "ok", customers=50),
        Case("cr_line_ends", {"accounts.csv": to_csv(rows, terminator="\r")}, "ok", customers=50),
    ]


def _text_cases() -> list[Case]:
    rows = account_rows(15_000)  # about 1.2 MB: the bad byte lies beyond the first megabyte looked at
    late = to_csv(rows).replace(b"C14999", b"C\xff14999")
    western = with_column(account_rows(60), "company", lambda i: ["Müller GmbH", "Café Crème", "Señor Ñu"][i % 3])
    mixed = with_column(account_rows(60), "arr", lambda i: f"$1,{i:03d}.50" if i % 2 else f"€1.{i:03d},50")
    return [
        Case("invalid_utf8_after_first_mb", {"accounts.csv": late}, "error", error_says=("byte", "line")),
        Case("cp1252_muller", {"accounts.csv": to_csv(western, encoding="cp1252")}, "ok", customers=60),
        Case("mixed_dollar_euro", {"accounts.csv": to_csv(mixed)}, "error", error_says=("mixes currencies",)),
    ]


def _money_cases() -> list[Case]:
    rows = account_rows(40)
    return [
        Case(
            "all_zero_revenue",
            {"accounts.csv": to_csv(with_column(rows, "arr", lambda i: "0"))},
            "error",
            error_says=("is 0",),
        ),
        Case(
            "refund_only",
            {"accounts.csv": to_csv(with_column(rows, "arr", lambda i: f"-{100 + i * 7.9:.1f}"))},
            "error",
            error_says=("refunds", "-10,162.00"),
        ),
        Case("one_customer", {"accounts.csv": to_csv(rows[:1])}, "error", error_says=("only one customer",)),
        Case(
            "unicode_minus",
            {"accounts.csv": to_csv(with_column(rows, "arr", lambda i: f"\u2212{500 + i}"))},
            "error",
            error_says=("refunds",),
        ),
        Case(
            "unicode_minus_some",
            {"accounts.csv": to_csv(with_column(rows, "arr", lambda i: f"\u2212{5 + i}" if i < 3 else f"{900 + i}"))},
            "ok",
            customers=40,
        ),
        Case(
            "us_dollar_spellings",
            {
                "accounts.csv": to_csv(
                    with_column(rows, "arr", lambda i: [f"US${1000 + 97 * i:,}.50", f"USD {1000 + 97 * i:,}.50"][i % 2])
                )
            },
            "ok",
            customers=40,
        ),
        Case(
            "excel_errors",
            {"accounts.csv": to_csv(with_column(rows, "arr", lambda i: ["#DIV/0!", "#VALUE!", "1200"][i % 3]))},
            "ok",
            notes_say=("spreadsheet error",),
        ),
        Case(
            "overflow_1e400",
            {"accounts.csv": to_csv(with_column(rows, "arr", lambda i: "1e400" if i == 0 else str(500 + 97 * i)))},
            "ok",
            notes_say=("not a number",),
            customers=39,
        ),
        Case(
            "overflow_400_digits",
            {"accounts.csv": to_csv(with_column(rows, "arr", lambda i: "9" * 400 if i == 1 else str(100 + i)))},
            "ok",
            notes_say=("not a number",),
            customers=39,
        ),
        Case(
            "near_float_max",
            {"accounts.csv": to_csv(with_column(rows, "arr", lambda i: f"{1.7e308 - i * 1e300:.6e}"))},
            "either",
        ),
        Case(
            "two_1e308",
            {"accounts.csv": to_csv(with_column(rows, "arr", lambda i: "1e308" if i < 2 else str(1000 + 97 * i)))},
            "ok",
            customers=38,
        ),
        Case(
            "huge_employees",
            {"accounts.csv": to_csv(with_column(rows, "employees", lambda i: "1e308" if i % 2 else "12"))},
            "ok",
            customers=40,
        ),
    ]


def _date_cases() -> list[Case]:
    rows = account_rows(40)
    far = with_column(rows, "renewal_date", lambda i: "9999-12-31" if i % 5 == 0 else "2027-03-01")
    early = with_column(rows, "signup_date", lambda i: "0001-01-01" if i == 3 else rows[i]["signup_date"])
    return [
        Case("date_9999", {"accounts.csv": to_csv(far)}, "ok", customers=40, notes_say=("outside 1677",)),
        Case("date_0001", {"accounts.csv": to_csv(early)}, "ok", customers=40, notes_say=("outside 1677",)),
    ]


def _shape_cases() -> list[Case]:
    rows = account_rows(200)
    header = list(rows[0])
    ragged = [list(r.values()) + (["extra"] if i % 7 == 0 else []) for i, r in enumerate(rows)]
    wide_line = [list(r.values()) for r in rows]
    wide_line[5] = wide_line[5] + ["x"] * 20_000
    big_field = [list(r.values()) for r in rows]
    big_field[3][1] = "y" * 200_000
    big_field[4] = [*big_field[4], "z"]  # ragged too: the Python csv fallback reads it
    many_columns = [f"c{i}" for i in range(10_000)]
    return [
        Case("ragged_rows", {"accounts.csv": raw_csv(header, ragged)}, "ok", customers=200),
        Case("one_line_20002_fields", {"accounts.csv": raw_csv(header, wide_line)}, "error", error_says=("fields",)),
        Case("field_over_128kb_in_fallback", {"accounts.csv": raw_csv(header, big_field)}, "ok", customers=200),
        Case(
            "ten_thousand_columns",
            {
                "wide.csv": raw_csv(
                    ["id", "arr", *many_columns], [[f"W{i}", str(100 + i), *["1"] * 10_000] for i in range(50)]
                )
            },
            "error",
            error_says=("columns",),
        ),
        Case("parquet_list_struct", {"accounts.parquet": parquet_with_nested()}, "ok", customers=40),
    ]


def _settings_cases() -> list[Case]:
    accounts = {"accounts.csv": to_csv(account_rows(60))}

    def settings(section: str, **values: object) -> dict[str, object]:
        return {section: values}

    deep: bytes = ("[" * 100_000 + "]" * 100_000).encode()
    return [
        Case("seed_negative", accounts, "error", args=["--seed", "-1"], error_says=("seed",)),
        Case("seed_2_33", accounts, "error", args=["--seed", str(2**33)], error_says=("seed",)),
        Case("config_seed_1e30", accounts, "error", config=settings("segmentation", seed=10**30), error_says=("seed",)),
        Case("potential_seed", accounts, "error", config=settings("potential", seed=-5), error_says=("seed",)),
        Case(
            "encoding_rot13", accounts, "error", config=settings("intake", encoding="rot13"), error_says=("encoding",)
        ),
        Case(
            "encoding_base64", accounts, "error", config=settings("intake", encoding="base64"), error_says=("encoding",)
        ),
        Case(
            "encoding_unknown",
            accounts,
            "error",
            config=settings("intake", encoding="klingon"),
            error_says=("encoding",),
        ),
        Case("deep_json_config", accounts, "error", config=deep, error_says=("nested",)),
        Case("delimiter_x", accounts, "error", config=settings("intake", delimiter="x"), error_says=("delimiter",)),
        Case("k_true", accounts, "error", config=settings("segmentation", k=True), error_says=("segmentation.k",)),
        Case("nan_threshold", accounts, "error", config=b'{"service": {"arr_high": NaN}}', error_says=("arr_high",)),
        Case("inf_threshold", accounts, "error", config=b'{"service": {"arr_low": Infinity}}', error_says=("arr_low",)),
        Case(
            "abc_a_above_b",
            accounts,
            "error",
            config=settings("concentration", abc_a=0.97, abc_b=0.9),
            error_says=("abc",),
        ),
        Case("long_title", accounts, "error", config=settings("report", title="T" * 5000), error_says=("title",)),
        Case(
            "missing_group_column",
            accounts,
            "error",
            config=settings("concentration", group_column="nope"),
            error_says=("nope",),
        ),
        Case(
            "merge_unknown_segment",
            accounts,
            "error",
            args=["--k", "3"],
            config=settings("segmentation", merges=[[1, 9]]),
            error_says=("9",),
        ),
        Case(
            "override_unknown_segment",
            accounts,
            "error",
            args=["--k", "3"],
            config=settings("service", segment_overrides={"12": "high-touch"}),
            error_says=("12",),
        ),
        Case("empty_out", accounts, "error", args=["--out", ""], error_says=("--out",)),
        Case("sheet_on_csv", accounts, "error", args=["--sheet", "Data"], error_says=("sheet",)),
    ]


def _related_cases() -> list[Case]:
    accounts = account_rows(30)
    rng = random.Random(5)
    subscriptions = []
    for position, row in enumerate(accounts * 2):
        amount = f"{rng.uniform(100, 900):.2f}"
        if position % 11 == 0:
            amount = "n/a-ish"
        elif position % 13 == 0:
            amount = f"-{amount}"
        subscriptions.append({"sub_id": f"S{position}", "account_id": row["account_id"], "mrr": amount})
    subscriptions.append({"sub_id": "S-orphan", "account_id": "C99999", "mrr": "100"})
    subscriptions.append({"sub_id": "S-noid", "account_id": "", "mrr": "100"})
    plain = [{k: v for k, v in row.items() if k != "arr"} for row in accounts]
    files = {"accounts.csv": to_csv(plain), "subscriptions.csv": to_csv(subscriptions)}
    return [
        Case(
            "related_changes_in_ledger",
            files,
            "ok",
            args=["--related", "{dir}/subscriptions.csv"],
            notes_say=("not a number", "negative amount", "no customer id"),
            customers=30,
        ),
        Case(
            "transactions_without_firmographics",
            {"invoices.csv": to_csv(transaction_rows())},
            "ok",
            customers=40,
        ),
    ]


def all_cases() -> list[Case]:
    """Every hostile case, in a stable order."""
    return [
        *_injection_cases(),
        *_text_cases(),
        *_money_cases(),
        *_date_cases(),
        *_shape_cases(),
        *_settings_cases(),
        *_related_cases(),
    ]


def config_bytes(case: Case) -> bytes | None:
    """The case's settings as file bytes (None: no --config)."""
    if case.config is None:
        return None
    if isinstance(case.config, bytes):
        return case.config
    return json.dumps(case.config).encode()
