"""Time, once: the one format every answer uses, and the one Asia/Shanghai calendar.

Days are counted on the Asia/Shanghai calendar everywhere (:func:`local_day`,
:func:`local_midnight`, :func:`days_after`): a colour's "N days after", an itinerary's
place-days, a lab's or a vaccination's "not in the future", Alipay's timestamps. China
has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact.

The format: RFC 3339 in UTC, to the second, with a Z.

``2026-11-20T02:00:00Z``. Python's ``isoformat`` gives ``+00:00`` and, whenever the
clock has them, microseconds: two formats for one instant, which a mini-program's
``new Date`` parses but a string comparison, a log search or a checkpoint's
"valid until" label does not. Every time a client, an operator or a CLI user sees
goes through :func:`rfc3339`; stored values keep whatever they were written with
and are re-stamped on the way out (:func:`restamp`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone


def rfc3339(moment: datetime) -> str:
    """``moment`` in UTC, whole seconds (truncated), with a Z. Naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # isoformat, cut before its offset, is a third faster than strftime: two of these
    # are in every offline verify's answer
    return moment.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z"


def rfc3339_or_none(moment: datetime | None) -> str | None:
    return rfc3339(moment) if moment is not None else None


def restamp(text: object) -> str | None:
    """A stored ISO 8601 text (any offset, any precision) in the answer format.

    Text that is not a time (or not a string) gives None rather than an error: a
    stored value a person once wrote must not break the page that shows it.
    """
    if not isinstance(text, str) or not text:
        return None
    try:
        return rfc3339(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def local_time(moment: datetime) -> datetime:
    """The same instant on the Asia/Shanghai wall clock."""
    return moment.astimezone(SHANGHAI)


def local_midnight(day: date, days: int = 0) -> datetime:
    """00:00 Asia/Shanghai on ``day + days``, as an aware UTC datetime."""
    return datetime.combine(day + timedelta(days=days), time(0), SHANGHAI).astimezone(UTC)


def days_after(moment: datetime, days: int) -> datetime:
    """ "N days after E": 00:00 Asia/Shanghai on ``date(E) + N``."""
    return local_midnight(local_day(moment), days)
