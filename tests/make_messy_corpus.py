"""Write the messy-file corpus in tests/messy/ and its expected answers in tests/messy/expected.json.

Run from the project root: ``.venv/bin/python tests/make_messy_corpus.py``. Each file is made
from plain Python values; the expected customer count and revenue total are computed here from
those values (never by reading the files back with the studio), so the tests check the reader
against an independent answer.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent / "messy"
EXPECTED: dict[str, dict] = {}


def _write(name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    (OUT / name).write_bytes(text.replace("\n", newline).encode(encoding))


def _expect(name: str, customers: int, revenue: float, **extra: object) -> None:
    EXPECTED[name] = {"customers": customers, "revenue_total": round(revenue, 6), **extra}


def comma_basic() -> None:
    rows = [("C001", "Acme", 1200.0), ("C002", "Beta", 800.5), ("C003", "Gamma", 0.0), ("C004", "Delta", 50.25)]
    lines = ["customer_id,company,arr"] + [f"{i},{n},{a}" for i, n, a in rows]
    _write("comma_basic.csv", "\n".join(lines) + "\n")
    _expect("comma_basic.csv", len(rows), sum(r[2] for r in rows), id_examples=["C001"], unit="ARR")


def semicolon_decimal_comma_cp1252() -> None:
    rows = [("1001", "Müller GmbH", "€ 1.234,50", 1234.50), ("1002", "Société Générale", "€ 980,00", 980.0),
            ("1003", "Ærø ApS", "12.000,75 €", 12000.75), ("1004", "Zürich AG", "1 234,50 EUR", 1234.50)]  # fmt: skip
    lines = ["Kundennummer;Firma;Umsatz"] + [f"{i};{n};{t}" for i, n, t, _ in rows]
    _write("semicolon_cp1252.csv", "\n".join(lines) + "\n", encoding="cp1252", newline="\r\n")
    _expect(
        "semicolon_cp1252.csv",
        4,
        sum(r[3] for r in rows),
        settings={"id_column": "Kundennummer"},
        names=["Müller GmbH", "Société Générale"],
    )


def tab_utf16() -> None:
    rows = [("A-1", "North", "2,500.00"), ("A-2", "South", "3,000.00"), ("A-3", "West", "-150.00")]
    lines = ["Account ID\tRegion\tRevenue"] + ["\t".join(r) for r in rows]
    (OUT / "tab_utf16.txt").write_bytes("\r\n".join(lines).encode("utf-16"))
    _expect(
        "tab_utf16.txt",
        3,
        2500 + 3000 - 150,
        negative=1,
        ledger={"Negative revenue (refund or credit) kept; counts as 0 in concentration": 1},
    )


def pipe_bom() -> None:
    rows = [("X1", "120"), ("X2", "80"), ("X3", "100")]
    lines = ["client_id|total_revenue"] + ["|".join(r) for r in rows]
    (OUT / "pipe_bom.csv").write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode("utf-8"))
    _expect("pipe_bom.csv", 3, 300.0)


def whitespace_no_header() -> None:
    purchases = [("00001", "19970101", 1, 11.77), ("00002", "19970112", 1, 12.00), ("00002", "19970112", 5, 77.00),
                 ("00003", "19970102", 2, 20.76), ("00003", "19970330", 2, 20.76), ("00003", "19970402", 2, 19.54),
                 ("00004", "19970101", 2, 29.33), ("00004", "19970118", 2, 29.73),
                 ("00004", "19970802", 1, 14.96)]  # fmt: skip
    lines = [f" {c} {d}  {n:>2}  {v:>8.2f}" for c, d, n, v in purchases]
    _write("whitespace_no_header.txt", "\n".join(lines) + "\n", newline="\r\n")
    _expect(
        "whitespace_no_header.txt",
        4,
        sum(p[3] for p in purchases),
        grain="transactions",
        rows=len(purchases),
        id_examples=["00001", "00002"],
    )


def title_rows_duplicate_headers() -> None:
    text = (
        "Customer export,,,,\n"
        "Generated 2024-05-01 by CRM,,,,\n"
        ",,,,\n"
        "Customer ID,Name,ARR,Segment,Segment,\n"
        "K1,One,100,SMB,East,\n"
        "K2,Two,200,MM,West,\n"
        "K3,Three,300,ENT,East,\n"
        ",,,,,\n"
        ",,,,,\n"
    )
    _write("title_rows.csv", text)
    _expect("title_rows.csv", 3, 600.0, columns=["Segment", "Segment_2"])


def quoted_multiline() -> None:
    text = (
        'id,name,notes,amount\n'
        '1,"Smith, Jones & Co","line one\nline two, with comma",100\n'
        '2,"Quote ""Inc""","plain",200\n'
        '3,Plain,"a; b | c",300\n'
    )  # fmt: skip
    _write("quoted_multiline.csv", text)
    _expect("quoted_multiline.csv", 3, 600.0, names=["Smith, Jones & Co", 'Quote "Inc"'])


def numbers_zoo() -> None:
    cells = [("N01", "$1,234.50", 1234.50), ("N02", "(1,200)", -1200.0), ("N03", "12k", 12000.0),
             ("N04", "1.2M", 1200000.0), ("N05", "N/A", 0.0), ("N06", "-", 0.0), ("N07", "null", 0.0),
             ("N08", "none", 0.0), ("N09", "", 0.0), ("N10", "USD 99.99", 99.99), ("N11", "abc", None),
             ("N12", "1 000", 1000.0)]  # fmt: skip
    lines = ["customer_id,revenue"] + [f'{i},"{t}"' for i, t, _ in cells]
    _write("numbers_zoo.csv", "\n".join(lines) + "\n")
    kept = [v for _, _, v in cells if v is not None]
    _expect(
        "numbers_zoo.csv",
        len(kept),
        sum(kept),
        ledger={"Revenue is not a number": 1, "Blank revenue": 5},
    )


def duplicates() -> None:
    rows = [("007", "Bond", 700), ("008", "Q", 80), ("007", "Bond", 700), ("009", "M", 90),
            ("008", "Q-branch", 99), ("", "Nobody", 50), ("010", "Moneypenny", 10)]  # fmt: skip
    lines = ["Customer ID,Name,ARR"] + [f"{i},{n},{a}" for i, n, a in rows]
    _write("duplicates.csv", "\n".join(lines) + "\n")
    # kept: first 007, first 008, 009, 010; identical 007 merged; conflicting 008 dropped; no-ID row excluded
    _expect(
        "duplicates.csv",
        4,
        700 + 80 + 90 + 10,
        id_examples=["007", "008"],
        ledger={"No customer ID": 1, "Duplicate identical row": 1, "Duplicate customer ID": 1},
        rows=len(rows),
    )


def ids_float() -> None:
    rows = [("12345.0", 10), ("12346.0", 20), ("99.0", 30)]
    lines = ["customer_id,amount"] + [f"{i},{a}" for i, a in rows]
    _write("ids_float.csv", "\n".join(lines) + "\n")
    _expect("ids_float.csv", 3, 60.0, id_examples=["12345", "12346", "99"], note="whole numbers")


def transactions_day_first() -> None:
    tx = [("C1", "03/01/2024", "100.00", "paid"), ("C1", "15/02/2024", "50.00", "paid"),
          ("C2", "20/01/2024", "200.00", "paid"), ("C2", "21/01/2024", "-40.00", "paid"),
          ("C3", "05/03/2024", "80.00", "cancelled"), ("C3", "06/03/2024", "30.00", "paid"),
          ("C1", "28/03/2024", "25.00", "paid")]  # fmt: skip
    lines = ["customer_id,order_date,amount,status"] + [",".join(t) for t in tx]
    _write("transactions_day_first.csv", "\n".join(lines) + "\n")
    total = 100 + 50 + 200 - 40 + 30 + 25  # the cancelled order does not count
    _expect(
        "transactions_day_first.csv",
        3,
        total,
        grain="transactions",
        note="day-first",
        ledger={"Cancelled or refunded": 1, "Refund or negative amount": 1},
        c1_frequency=3,
        c1_recency_days=0,
    )


def dates_ambiguous() -> None:
    rows = [("A1", "01/02/2024", 10), ("A2", "03/04/2024", 20), ("A3", "05/06/2024", 30)]
    lines = ["customer_id,signup_date,arr"] + [f"{i},{d},{a}" for i, d, a in rows]
    _write("dates_ambiguous.csv", "\n".join(lines) + "\n")
    _expect("dates_ambiguous.csv", 3, 60.0, note="cannot tell day from month", first_signup="2024-01-02")


def mrr() -> None:
    rows = [("M1", 100.0), ("M2", 250.0), ("M3", 5.5)]
    lines = ["account_id,MonthlyCharges"] + [f"{i},{a}" for i, a in rows]
    _write("mrr.csv", "\n".join(lines) + "\n")
    _expect("mrr.csv", 3, 12 * sum(r[1] for r in rows), unit="ARR", note="×12")


def quantity_price() -> None:
    tx = [("536365", "17850", 6, 2.55, "2010-12-01 08:26"), ("536365", "17850", 6, 3.39, "2010-12-01 08:26"),
          ("536366", "13047", 2, 7.65, "2010-12-01 09:01"), ("C536379", "13047", -1, 7.65, "2010-12-02 10:00"),
          ("536367", "12583", 24, 0.85, "2010-12-03 11:00")]  # fmt: skip
    lines = ["InvoiceNo,CustomerID,Quantity,UnitPrice,InvoiceDate"] + [f"{i},{c},{q},{p},{d}" for i, c, q, p, d in tx]
    _write("quantity_price.csv", "\n".join(lines) + "\n")
    total = sum(q * p for _, _, q, p, _ in tx)
    _expect("quantity_price.csv", 3, total, grain="transactions")


def excel_with_title() -> None:
    workbook = openpyxl.Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "Notes"
    notes["A1"] = "Read me"
    sheet = workbook.create_sheet("Data")
    sheet["A1"] = "Quarterly customer report"
    sheet.merge_cells("A1:D1")
    sheet["A2"] = "All amounts in USD"
    sheet.merge_cells("A2:D2")
    sheet.append([])
    sheet.append(["Customer ID", "Customer Name", "ARR", "Signup Date"])
    rows = [("00042", "Alpha", 1500.5, date(2023, 1, 15)), ("00043", "Beta", 2500.0, date(2023, 6, 1)),
            ("00044", "Gamma", 99.5, date(2024, 2, 29))]  # fmt: skip
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    (OUT / "excel_title.xlsx").write_bytes(buffer.getvalue())
    _expect(
        "excel_title.xlsx",
        3,
        sum(r[2] for r in rows),
        settings={"sheet": "Data"},
        id_examples=["00042"],
        sheets=["Notes", "Data"],
    )


def excel_report() -> None:
    """A report-style sheet: merged titles, a notes line, merged group labels above the header, a totals row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Report"
    sheet["A1"] = "ACME Corp: customer revenue report"
    sheet.merge_cells("A1:F1")
    sheet["A2"] = "Confidential"
    sheet.merge_cells("A2:C2")
    sheet["D2"] = "Q1 2024"
    sheet.merge_cells("D2:F2")
    sheet["A3"] = "Source: CRM export of 31 March 2024; amounts in USD"
    # group labels: three filled cells would pass for a header without the merge metadata
    sheet["A5"] = "Account"
    sheet.merge_cells("A5:B5")
    sheet["C5"] = "Money"
    sheet.merge_cells("C5:D5")
    sheet["E5"] = "Profile"
    sheet.merge_cells("E5:F5")
    sheet.append(["Customer ID", "Company", "ARR", "Seats", "Industry", "Signup Date"])
    rows = [("R-01", "Alpha", 12000.0, 10, "FinTech", date(2022, 5, 1)),
            ("R-02", "Beta", 5400.5, 4, "Retail", date(2023, 1, 9)),
            ("R-03", "Gamma", 880.0, 2, "FinTech", date(2023, 7, 30)),
            ("R-04", "Delta", 30500.0, 25, "Health", date(2021, 11, 2)),
            ("R-05", "Epsilon", 0.0, 1, "Retail", date(2024, 2, 14))]  # fmt: skip
    for row in rows:
        sheet.append(list(row))
    sheet.append([])
    sheet.append(["Total", None, sum(r[2] for r in rows), sum(r[3] for r in rows), None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    (OUT / "excel_report.xlsx").write_bytes(buffer.getvalue())
    _expect(
        "excel_report.xlsx",
        len(rows),
        sum(r[2] for r in rows),
        rows=len(rows) + 1,
        ledger={"Totals row": 1},
        id_examples=["R-01", "R-05"],
        columns=["Company", "Seats", "Industry", "Signup Date"],
        note="Skipped 4 row(s) above the header",
    )


def parquet_file() -> None:
    table = pa.table(
        {
            "customer_id": ["P1", "P2", "P3", "P4"],
            "arr": [10.0, 20.0, None, 40.0],
            "signup": pa.array([date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), None]),
            "plan": ["a", "b", "a", "c"],
        }
    )
    pq.write_table(table, OUT / "customers.parquet")
    _expect("customers.parquet", 4, 70.0, ledger={"Blank revenue": 1})


def related_tables() -> None:
    accounts = [("AC1", "One", "FinTech"), ("AC2", "Two", "EdTech"), ("AC3", "Three", "FinTech")]
    subs = [("S1", "AC1", 100, "2024-01-01", ""), ("S2", "AC1", 50, "2023-01-01", "2023-06-30"),
            ("S3", "AC2", 200, "2024-02-01", ""), ("S4", "ZZ9", 999, "2024-01-01", ""),
            ("S5", "AC2", 10, "2024-03-01", "")]  # fmt: skip
    _write(
        "related_accounts.csv",
        "\n".join(["account_id,account_name,industry"] + [",".join(a) for a in accounts]) + "\n",
    )
    _write(
        "related_subscriptions.csv",
        "\n".join(
            ["subscription_id,account_id,mrr_amount,start_date,end_date"]
            + [f"{s},{a},{m},{st},{en}" for s, a, m, st, en in subs]
        )
        + "\n",
    )
    active = {"AC1": 100, "AC2": 200 + 10}  # S2 ended, S4 matches no account
    _expect(
        "related_accounts.csv",
        3,
        12.0 * sum(active.values()),
        related="related_subscriptions.csv",
        unit="ARR",
        ledger={"whose key is not a customer": 1, "No rows in": 1},
    )


def errors() -> None:
    (OUT / "empty.csv").write_bytes(b"")
    _write("header_only.csv", "customer_id,arr\n")
    (OUT / "binary.csv").write_bytes(bytes(range(256)) * 8)
    _write("no_revenue.csv", "CustomerID,Gender,Age\n1,Male,19\n2,Female,21\n")
    EXPECTED["empty.csv"] = {"error": "empty"}
    EXPECTED["header_only.csv"] = {"error": "no data rows"}
    EXPECTED["binary.csv"] = {"error": "binary"}
    EXPECTED["no_revenue.csv"] = {"error": "revenue"}


def excel_serial_dates() -> None:
    rows = [("E1", 45000, 10.0), ("E2", 45100, 20.0), ("E3", 45200, 30.0)]
    lines = ["customer_id,signup_date,revenue"] + [f"{i},{d},{a}" for i, d, a in rows]
    _write("excel_serial.csv", "\n".join(lines) + "\n")
    _expect("excel_serial.csv", 3, 60.0, note="Excel day numbers", first_signup="2023-03-15")


def main() -> None:
    """Write every file and expected.json."""
    OUT.mkdir(exist_ok=True)
    for make in (
        comma_basic, semicolon_decimal_comma_cp1252, tab_utf16, pipe_bom, whitespace_no_header,
        title_rows_duplicate_headers, quoted_multiline, numbers_zoo, duplicates, ids_float,
        transactions_day_first, dates_ambiguous, mrr, quantity_price, excel_with_title, excel_report, parquet_file,
        related_tables, errors, excel_serial_dates,
    ):  # fmt: skip
        make()
    (OUT / "expected.json").write_text(json.dumps(EXPECTED, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {len(EXPECTED)} cases to {OUT}")


if __name__ == "__main__":
    main()
