"""Row and column order never change the answer: shuffled files give byte-identical customers.csv.

The sample and every dataset in ``../shared/data`` are rewritten with their rows and their columns
shuffled (seeded), analysed by the CLI beside the original, and customers.csv compared byte for
byte once its rows are sorted by customer ID. A file the studio refuses must be refused the same
way whatever its order.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from segmentation.__main__ import main
from tests.conftest import SAMPLE_ACCOUNTS, SAMPLE_INVOICES, SHARED_DATA

DATASETS = {
    "sample_accounts": (SAMPLE_ACCOUNTS, None),
    "sample_invoices": (SAMPLE_INVOICES, None),
    "telco_churn": (SHARED_DATA / "telco_churn" / "Telco-Customer-Churn.csv", None),
    "cdnow": (SHARED_DATA / "cdnow" / "CDNOW_master.txt", None),
    "ravenstack": (
        SHARED_DATA / "ravenstack" / "ravenstack_accounts.csv",
        SHARED_DATA / "ravenstack" / "ravenstack_subscriptions.csv",
    ),
    "mall_customers": (SHARED_DATA / "mall_customers" / "Mall_Customers.csv", None),
}


def _table(path: Path) -> list[list[str]]:
    """The file's records (a whitespace-aligned file split on runs of spaces)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".txt":
        return [line.split() for line in text.splitlines() if line.strip()]
    return list(csv.reader(io.StringIO(text, newline="")))


def shuffled(path: Path, seed: int, *, columns: bool = True) -> bytes:
    """The file as CSV with its data rows (and, with `columns`, its columns) in a seeded random order."""
    header, *rows = _table(path)
    rng = random.Random(seed)
    rng.shuffle(rows)
    order = list(range(len(header)))
    if columns:
        rng.shuffle(order)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header[i] for i in order])
    writer.writerows([[row[i] for i in order] for row in rows])
    return buffer.getvalue().encode("utf-8")


def _by_id(path: Path) -> bytes:
    """customers.csv with its records sorted by customer ID (the first field)."""
    header, *records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *sorted(records, key=lambda r: r[0])])
    return buffer.getvalue().encode("utf-8")


def _run(primary: Path, related: Path | None, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    arguments = ["analyze", str(primary), "--out", str(out), "--quiet", "--k", "4"]
    if related is not None:
        arguments += ["--related", str(related)]
    status = main(arguments)
    return status, capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_shuffled_files_give_the_same_customers(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The original once, then its rows shuffled, then its rows and columns: the same customers each time."""
    primary, related = DATASETS[name]
    if not primary.is_file():
        pytest.skip(f"{primary} is not beside the project")
    first = _run(primary, related, tmp_path / "original", capsys)
    for columns in (False, True):
        kind = "rows_and_columns" if columns else "rows"
        folder = tmp_path / kind
        folder.mkdir()
        mixed_primary = folder / f"shuffled_{primary.stem}.csv"
        mixed_primary.write_bytes(shuffled(primary, seed=11, columns=columns))
        mixed_related = None
        if related is not None:
            mixed_related = folder / related.name  # same name: the related columns are named after the file
            mixed_related.write_bytes(shuffled(related, seed=12, columns=columns))
        second = _run(mixed_primary, mixed_related, folder / "out", capsys)
        assert first[0] == second[0], (kind, first, second)
        if first[0] != 0:
            assert first[1] == second[1].replace(mixed_primary.name, primary.name), kind
            continue
        assert _by_id(tmp_path / "original" / "customers.csv") == _by_id(folder / "out" / "customers.csv"), kind


def test_shuffling_is_a_real_shuffle(tmp_path: Path) -> None:
    """The rewritten file holds the same records in another order (so the test above can fail)."""
    data = shuffled(SAMPLE_ACCOUNTS, seed=11)
    original = _table(SAMPLE_ACCOUNTS)
    rewritten = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rewritten[0] != original[0] and sorted(rewritten[0]) == sorted(original[0])
    assert rewritten[1:] != original[1:] and len(rewritten) == len(original)
    del tmp_path
