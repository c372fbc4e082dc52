"""The one exception type a user can act on."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input that the user can fix.

    The message is a single line a sales leader understands: it names the file, column,
    row count or value at fault and says what to do. The app shows it with ``st.error``;
    the CLI prints it on stderr and exits with status 2.
    """
