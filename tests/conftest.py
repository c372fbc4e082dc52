"""Shared fixtures: paths to the bundled sample data and the shared public datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ACCOUNTS = ROOT / "sample_data" / "saas_accounts.csv"
SAMPLE_INVOICES = ROOT / "sample_data" / "saas_invoices.csv"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The public datasets beside the project (skip when they are not there)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the project")
    return SHARED_DATA
