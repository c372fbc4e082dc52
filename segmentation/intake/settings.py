"""Settings for reading files and building the customer table (owned by the intake modules)."""

from __future__ import annotations

import codecs
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from segmentation.validation import check_values

DELIMITER_CHOICES = (",", ";", "\t", "|", ":", " ")
"""Field separators a text file may be read with (a space means whitespace-aligned columns)."""


class IntakeSettings(BaseModel):
    """How files are read and turned into one row per customer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id_column: str | None = None
    """Column holding the customer ID; None means detect it."""
    revenue_column: str | None = None
    """Column holding revenue; None means detect it. ``"A+B+C"`` adds columns up (names may hold spaces);
    ``"Quantity * UnitPrice"`` multiplies two columns."""
    sheet: str | None = None
    """Excel sheet to read; None means the first sheet that holds data."""
    roles: dict[str, str] = Field(default_factory=dict)
    """Column → role override (one of the roles, or ``"ignore"`` to leave the column out of the analysis)."""
    date_order: Literal["auto", "day_first", "month_first"] = "auto"
    """How dates like 03/04/2024 are read; ``auto`` decides from the data and says which in the notes."""
    revenue_unit: Literal["auto", "ARR", "MRR", "revenue"] = "auto"
    """What the revenue column holds; MRR is turned into ARR (×12). ``auto`` decides from the column name."""
    grain: Literal["auto", "customer", "transactions"] = "auto"
    """One row per customer, or many rows per customer (invoices, orders) that are added up."""
    revenue_window_months: int | Literal["auto"] | None = Field(default="auto")
    """Transactions only: count revenue from the last N months up to the file's latest date (None: all of
    it). ``auto``: the last 12 months (the annual run-rate) when the file spans more than 12 months."""
    churn_rule: Literal["auto", "ignore"] = "auto"
    """``auto``: accounts the file says have churned (a churn flag, a status, an end date in the past) are
    kept out of current revenue and reported as their own group; ``ignore``: every account counts."""
    churn_column: str | None = None
    """The column that says an account churned (flag, status or end date); None means detect it."""
    attribute_rule: Literal["most_frequent", "latest"] = "most_frequent"
    """Transactions: which value of a descriptive column describes the customer."""
    related_key: str | None = None
    """Column of the related table holding the customer ID; None means detect it."""
    max_file_mb: int = Field(default=1024, ge=1)
    """Largest file read, in megabytes."""
    header_row: int | None = Field(default=None, ge=1)
    """Line number (1 = first) of the header row in a text or Excel file; None means detect it."""
    delimiter: str | None = Field(default=None, max_length=1)
    """Field separator of a text file; None means detect it."""
    encoding: str | None = None
    """Text encoding such as ``utf-8`` or ``cp1252``; None means detect it."""

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, encoding: str | None) -> str | None:
        """Accept only names of text encodings Python knows (not rot13, base64 or zlib)."""
        if encoding is None:
            return None
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise ValueError(
                f"encoding '{encoding}' is not known; use a name such as utf-8, cp1252 or latin-1"
            ) from None
        if not getattr(codec, "_is_text_encoding", True):
            raise ValueError(f"'{encoding}' is not a text encoding; use a name such as utf-8, cp1252 or latin-1")
        return encoding

    @field_validator("delimiter")
    @classmethod
    def _check_delimiter(cls, delimiter: str | None) -> str | None:
        """Accept only the usual field separators."""
        if delimiter is not None and delimiter not in DELIMITER_CHOICES:
            raise ValueError(
                f"delimiter {delimiter!r} is not a field separator; use one of , ; | : tab or space (or leave it "
                "empty to detect it)"
            )
        return delimiter

    @field_validator("revenue_window_months")
    @classmethod
    def _window_in_range(cls, value: int | str | None) -> int | str | None:
        """A window of months is between 1 and 600."""
        if isinstance(value, int) and not 1 <= value <= 600:
            raise ValueError("revenue_window_months must be 1 to 600, 'auto' or null (all of the data)")
        return value
