"""Where a table comes from: an uploaded file's bytes or a path on disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from segmentation.errors import InputError


@dataclass(frozen=True)
class Source:
    """One input file. Exactly one of `data` (uploaded bytes) or `path` is set."""

    name: str
    data: bytes | None = None
    path: Path | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.path is None):
            raise ValueError("a Source needs exactly one of data or path")

    @classmethod
    def from_path(cls, path: str | Path) -> Source:
        """Return a source reading `path`; raises `InputError` if the file does not exist."""
        resolved = Path(path)
        if not resolved.is_file():
            raise InputError(f"File '{path}' does not exist or is not a file; check the path and try again.")
        return cls(name=resolved.name, path=resolved)

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> Source:
        """Return a source over uploaded bytes, named as the user's file."""
        return cls(name=name, data=bytes(data))

    @property
    def suffix(self) -> str:
        """The lower-case file extension, e.g. ``.csv``."""
        return Path(self.name).suffix.lower()

    @property
    def size(self) -> int:
        """Size in bytes."""
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size

    def read_bytes(self) -> bytes:
        """Return the whole file's bytes (use only for files known to be small)."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()
