"""The one clock for date-dependent checks: ``SOURCE_DATE_EPOCH`` when set (tests, reproducible builds), else today."""

from __future__ import annotations

import datetime as dt
import os


class ClockError(Exception):
    """``SOURCE_DATE_EPOCH`` is set to something that is not a usable time."""


def today() -> dt.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(tz=dt.UTC).date()
    try:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    except (ValueError, OverflowError, OSError):
        raise ClockError(f"SOURCE_DATE_EPOCH={epoch[:40]!r} is not a time in seconds since 1970 that a date can "
                         "hold; unset it or give a whole number such as 1770000000") from None
    # (MkDocs reads the variable too, for the sitemap: checked here first, so that it never fails there.)
