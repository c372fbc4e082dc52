"""Share links: the settings as a compact URL-safe token and back, beside the settings they carry.

Only what differs from the defaults travels (zlib-compressed JSON, base64url without padding), with the
settings' schema version and, when given, the fingerprint of the file they were made from (its name, rows
and a digest of its column names, never a value from it). A damaged, oversized or too deeply nested
token is an `InputError` with what to do, never a traceback. JSON only: nothing here can run code.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from segmentation.config import AnalysisConfig, SourceFingerprint
from segmentation.errors import InputError

MAX_LINK_BYTES = 256 * 1024
"""The most a share-link token may unpack to: a studio link is a few hundred bytes."""


def _diff(current: dict[str, Any], default: dict[str, Any]) -> dict[str, Any]:
    """Return only the settings that differ from the defaults (recursively by section)."""
    out: dict[str, Any] = {}
    for key, value in current.items():
        base = default.get(key)
        if isinstance(value, dict) and isinstance(base, dict):
            nested = _diff(value, base)
            if nested:
                out[key] = nested
        elif value != base:
            out[key] = value
    return out


def _merge(default: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(default)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def encode_config(config: AnalysisConfig, source: SourceFingerprint | None = None) -> str:
    """Return the settings as a compact URL-safe token (only what differs from the defaults).

    With `source`, the token names the file it was made from (name, rows, column fingerprint).
    """
    if source is not None:
        config = config.with_source(source)
    changes = _diff(config.to_dict(), AnalysisConfig().to_dict())
    changes["schema_version"] = config.schema_version
    raw = json.dumps(changes, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode_config(token: str) -> AnalysisConfig:
    """Return the settings carried by a share-link token; raises `InputError` if it is damaged."""
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)), MAX_LINK_BYTES)
        too_big = bool(inflater.unconsumed_tail)
        changes = None if too_big else json.loads(raw)
    except (ValueError, zlib.error) as exc:
        raise InputError(
            f"The share link's settings are damaged ({type(exc).__name__}); ask for the link again."
        ) from None
    except RecursionError:
        raise InputError("The share link's settings are nested far too deeply; ask for the link again.") from None
    if too_big:
        raise InputError(
            f"The share link unpacks to more than {MAX_LINK_BYTES // 1024} KB, far more than any studio "
            "settings; ask for the link again."
        )
    if not isinstance(changes, dict):
        raise InputError("The share link's settings are damaged; ask for the link again.")
    try:
        merged = _merge(AnalysisConfig().to_dict(), changes)
    except RecursionError:
        raise InputError("The share link's settings are nested far too deeply; ask for the link again.") from None
    return AnalysisConfig.from_dict(merged)
