"""`AnalysisConfig`: every choice a user can make, in one JSON-serialisable object.

The same JSON drives the CLI (``--config``), saved analyses and share links. Each stage owns
its section (``segmentation/<stage>/settings.py``); this module only composes them and
handles versions.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from segmentation.changes.settings import ChangesSettings
from segmentation.economics.settings import ConcentrationSettings
from segmentation.errors import InputError
from segmentation.intake.settings import IntakeSettings
from segmentation.segments.settings import CriteriaSettings, SegmentationSettings
from segmentation.service.settings import PotentialSettings, ServiceSettings
from segmentation.validation import check_values

if TYPE_CHECKING:
    from segmentation.intake import CustomerTable

CONFIG_VERSION = 1
"""Bumped when a saved config's meaning changes; older versions are migrated in `_migrate`."""
MAX_SETTINGS_BYTES = 1_000_000
"""Largest settings text read (a settings file, an upload, a share link once unpacked), in bytes."""
MAX_SETTINGS_DEPTH = 20
"""Deepest nesting of brackets a settings text may have (the settings themselves nest 4 deep)."""
TITLE_MAX = 200
"""Longest report title, in characters."""
_JSON_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


class ReportSettings(BaseModel):
    """How results are presented: title, currency and revenue unit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(default="Customer segmentation", max_length=TITLE_MAX)
    currency: str = Field(default="auto", max_length=12)
    """ISO code or symbol shown next to every money figure; "auto" reads it from the revenue column's
    name or values (no currency shown when nothing says). Amounts are never converted."""

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""


class SourceFingerprint(BaseModel):
    """Which file a share link or saved settings were made from: its name, rows and columns, never its data.

    The column fingerprint is a digest of the sorted column names, so the same file with its
    columns in another order matches.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    file_name: str = Field(max_length=255)
    rows: int = Field(ge=0)
    columns: int = Field(ge=0)
    column_fingerprint: str = Field(max_length=64, pattern=r"^[0-9a-f]*$")

    @classmethod
    def of_columns(cls, file_name: str, rows: int, columns: list[str]) -> SourceFingerprint:
        """Return the fingerprint of a file with these column names and data rows."""
        digest = hashlib.sha256("\x1f".join(sorted(columns)).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return cls(file_name=file_name[:255], rows=int(rows), columns=len(columns), column_fingerprint=digest)

    @classmethod
    def of_table(cls, table: CustomerTable) -> SourceFingerprint:
        """Return the fingerprint of the primary file a customer table was read from."""
        columns = list(table.source_roles or table.roles)
        for key in (table.id_column, table.revenue_column):
            if key and key not in columns and key in (table.source_roles or {}):
                columns.append(key)
        return cls.of_columns(table.source_name, table.rows_read, columns)

    def differences(self, other: SourceFingerprint) -> list[str]:
        """Return, in words, how `other` differs from this file (empty when the file matches)."""
        out = []
        if other.rows != self.rows:
            out.append(f"it has {other.rows:,} rows, the settings were made from {self.rows:,}")
        if other.column_fingerprint != self.column_fingerprint:
            out.append(
                f"its columns differ ({other.columns:,} columns, the settings were made from {self.columns:,})"
                if other.columns != self.columns
                else "its column names differ"
            )
        return out

    def describe(self) -> str:
        """Return the file as a phrase: "accounts.csv (3,000 rows, 17 columns)"."""
        return f"{self.file_name} ({self.rows:,} rows, {self.columns:,} columns)"


class _Validated:
    """Settings already validated, by their JSON: a widget change asks for 10-15 settings objects (each
    stage key and word layer is parsed back), and validating one took about 4 ms. Settings are frozen, so
    the same data can be handed the same object; a bounded, locked store shared by the app's threads.
    Only settings equal to those asked for are handed out, so no session learns another's."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, AnalysisConfig] = OrderedDict()

    def get(self, key: str) -> AnalysisConfig | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
            return kept

    def put(self, key: str, config: AnalysisConfig) -> None:
        with self._lock:
            self._kept[key] = config
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)


_VALIDATED = _Validated(256)


def _validated_key(data: dict[str, Any]) -> str | None:
    """The data as canonical JSON; None when JSON would not give the data back as it is (a number as a key, a
    tuple, NaN), and the data is then validated every time."""
    try:
        key = json.dumps(data, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return key if json.loads(key) == data else None


class AnalysisConfig(BaseModel):
    """Every setting that changes the result. Frozen; build a changed copy with `updated`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = CONFIG_VERSION
    intake: IntakeSettings = IntakeSettings()
    criteria: CriteriaSettings = CriteriaSettings()
    segmentation: SegmentationSettings = SegmentationSettings()
    concentration: ConcentrationSettings = ConcentrationSettings()
    potential: PotentialSettings = PotentialSettings()
    service: ServiceSettings = ServiceSettings()
    report: ReportSettings = ReportSettings()
    changes: ChangesSettings = ChangesSettings()
    source: SourceFingerprint | None = None
    """The file these settings were saved from (share links and saved settings only); never read by a stage."""

    def to_json(self) -> str:
        """Return the settings as indented JSON, keys in a stable order."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain JSON-compatible data."""
        return self.model_dump(mode="json")

    def with_source(self, source: SourceFingerprint | None) -> AnalysisConfig:
        """Return a copy that names the file it was made from (or, with None, names none)."""
        return self.model_copy(update={"source": source})

    def section_json(self, *sections: str) -> str:
        """Return the named sections as compact JSON: a cache key for the stages that read them."""
        data = self.to_dict()
        return json.dumps({name: data[name] for name in sections}, sort_keys=True)

    def value_at(self, path: str) -> Any:
        """Return the settings value at a dotted path, e.g. ``value_at("segmentation.k")`` (the path `updated`
        takes)."""
        node: Any = self
        for part in path.split("."):
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        return node

    def updated(self, **changes: Any) -> AnalysisConfig:
        """Return a copy with dotted-path changes applied, e.g. ``updated(**{"segmentation.k": 5})``.

        The copy is validated again, so a bad value raises `InputError`.
        """
        data = self.to_dict()
        for path, value in changes.items():
            node = data
            *parents, leaf = path.split(".")
            for part in parents:
                node = node[part]
            node[leaf] = value
        if "segmentation.k" in changes and "segmentation.auto_k" not in changes:
            data["segmentation"]["auto_k"] = False  # a k you set is the k you get
        return AnalysisConfig.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisConfig:
        """Build settings from plain data, migrating older versions.

        Raises `InputError` naming the first setting that is wrong.
        """
        if not isinstance(data, dict):
            raise InputError("The settings file must hold a JSON object; save the settings again from the Share page.")
        version = data.get("schema_version", 1)
        if not isinstance(version, int) or version > CONFIG_VERSION:
            raise InputError(
                f"These settings were saved by a newer version of the studio (settings version {version}, "
                f"this one reads up to {CONFIG_VERSION}); upgrade the studio or save the settings again here."
            )
        data = _migrate(dict(data), version)
        key = _validated_key(data)
        if key is not None and (kept := _VALIDATED.get(key)) is not None:
            return kept
        try:
            made = cls.model_validate(data)
        except RecursionError:
            raise _too_deep() from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "settings"
            raise InputError(
                f"Setting '{where}' is not valid: {str(first['msg']).removeprefix('Value error, ')} "
                f"({exc.error_count()} problem(s) in all); fix it in the settings file or save the settings again."
            ) from None
        if key is not None:
            _VALIDATED.put(key, made)
        return made

    @classmethod
    def from_json(cls, text: str | bytes) -> AnalysisConfig:
        """Parse settings JSON (as written by `to_json`). Raises `InputError` if it is not valid."""
        return cls.from_dict(_parse_settings(text))

    @classmethod
    def from_saved(cls, text: str | bytes) -> AnalysisConfig:
        """Parse saved settings: a settings JSON, or a summary.json whose ``settings`` are used.

        Raises `InputError` if the text is neither.
        """
        data = _parse_settings(text)
        if isinstance(data, dict) and isinstance(data.get("settings"), dict) and "input" in data:
            data = data["settings"]
        return cls.from_dict(data)


def _parse_settings(text: str | bytes) -> Any:
    """JSON of settings, checked for size and depth first. Raises `InputError`."""
    check_settings_text(text)
    try:
        return json.loads(text.decode("utf-8-sig") if isinstance(text, bytes) else text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"The settings file is not valid JSON ({exc}); use a file saved from the Share page or the CLI."
        ) from None
    except RecursionError:
        raise _too_deep() from None


def check_settings_text(text: str | bytes) -> None:
    """Refuse settings text larger than `MAX_SETTINGS_BYTES` or nested deeper than `MAX_SETTINGS_DEPTH`.

    Checked before the JSON is parsed, so a hostile file cannot exhaust the parser's stack or memory.
    Raises `InputError`.
    """
    size = len(text)
    if size > MAX_SETTINGS_BYTES:
        raise InputError(
            f"The settings are {size:,} bytes long; the limit is {MAX_SETTINGS_BYTES:,}. "
            "Use settings saved from the Share page or the CLI."
        )
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    # brackets inside JSON strings do not nest: drop the strings, then track the depth
    depth = deepest = 0
    for character in _JSON_STRINGS.sub("", text):
        if character in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_SETTINGS_DEPTH:
                    raise _too_deep()
        elif character in "]}":
            depth -= 1


def _too_deep() -> InputError:
    return InputError(
        f"The settings are nested more than {MAX_SETTINGS_DEPTH} levels deep, which no saved settings are; "
        "use settings saved from the Share page or the CLI."
    )


def _migrate(data: dict[str, Any], version: int) -> dict[str, Any]:
    """Bring settings saved by an older version up to `CONFIG_VERSION` (none older exist yet)."""
    data["schema_version"] = CONFIG_VERSION
    return data
