"""UTC timestamps as stored (fixed-width text, sortable) and as printed (ISO 8601 ``Z``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from .errors import ValidationError

# Stored form: always 27 characters, so text order is time order.
_STORE_FMT = "%Y-%m-%dT%H:%M:%S.%fZ"


def now_utc() -> datetime:
    return datetime.now(UTC)


def to_store(value: datetime) -> str:
    """Aware datetime → stored text (UTC, microseconds)."""
    return value.astimezone(UTC).strftime(_STORE_FMT)


def now_store() -> str:
    return to_store(now_utc())


def to_api(stored: str | None) -> str | None:
    """Stored text → the reference's ``2025-01-15T10:30:00Z`` (seconds precision)."""
    if not stored:
        return None
    return stored[:19] + "Z"


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_iso(value: str, param: str) -> datetime:
    """Parse an ISO 8601 date or datetime; no offset means UTC. Errors name ``param``."""
    text = value.strip()
    try:
        if _DATE_RE.match(text):
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValidationError(
            param, f"not an ISO 8601 date or datetime: {value!r}"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the last representable UTC time
        raise ValidationError(param, f"out of range: {value!r}") from None


def parse_due_date(value: str) -> str:
    """A task due date: ISO date (YYYY-MM-DD), stored as given."""
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValidationError("due", f"not an ISO date (YYYY-MM-DD): {value!r}") from None


__all__ = ["now_utc", "now_store", "to_store", "to_api", "parse_iso", "parse_due_date", "timedelta"]
