"""Per-dialect SQL for the compliance report: period keys and wall durations.

The report groups stopped clocks in the database, so the two things Python
used to compute per clock must be SQL expressions giving the same values on
SQLite and PostgreSQL:

* the period key of the stop instant (UTC): ``2025-03-07`` (day),
  ``2025-W10`` (ISO week, ISO year), ``2025-03`` (month), as
  ``ticketing.queries.sla._period`` formats them;
* a clock's wall duration in whole **microseconds** (an integer, so sums are
  exact and do not depend on the order rows are added in).

SQLite stores instants as naive UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``
(``ticketing.sla.tables.SlaInstant``); PostgreSQL as ``timestamptz``, read in
UTC here whatever the session's time zone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Integer, cast, func, literal, type_coerce
from sqlalchemy.types import String

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.engine import Dialect

_PG_FORMATS = {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM"}


def period_key(instant: Any, period: str, dialect: Dialect) -> ColumnElement[str]:
    """The ``period`` (day, week or month) an instant column falls in, as text."""
    if dialect.name == "postgresql":
        utc = func.timezone("UTC", instant)
        return func.to_char(utc, _PG_FORMATS[period])
    text = type_coerce(instant, String())
    if period == "day":
        return func.substr(text, 1, 10)
    if period == "month":
        return func.substr(text, 1, 7)
    return _sqlite_iso_week(func.substr(text, 1, 10))


def _sqlite_iso_week(day: Any) -> ColumnElement[str]:
    """``YYYY-Www`` of an ISO date text: the year and week of its week's Thursday.

    SQLite 3.40 has no ``%G``/``%V``: the ISO week is the one holding the
    Thursday of the Monday-based week, and its number is that Thursday's day
    of the year, in sevens.
    """
    weekday = (cast(func.strftime("%w", day), Integer) + 6) % 7  # Monday = 0
    thursday = func.date(day, func.printf("%+d days", 3 - weekday))
    week = (cast(func.strftime("%j", thursday), Integer) - 1) // 7 + 1
    return func.printf("%s-W%02d", func.strftime("%Y", thursday), week)


def wall_microseconds(start: Any, end: Any, dialect: Dialect) -> ColumnElement[int]:
    """``end - start`` in whole microseconds (NULL when ``end`` is NULL)."""
    if dialect.name == "postgresql":
        seconds = func.extract("epoch", end - start)
        return cast(func.round(seconds * 1_000_000), BigInteger)
    return _sqlite_micros(end) - _sqlite_micros(start)


def _sqlite_micros(instant: Any) -> ColumnElement[int]:
    """Microseconds since the epoch of a stored SQLite instant (exact integer)."""
    text = type_coerce(instant, String())
    seconds = cast(func.strftime("%s", text), BigInteger)
    fraction = cast(func.substr(text, 21, 6), Integer)
    return seconds * literal(1_000_000) + fraction


def business_micros_sql(seconds: Any) -> ColumnElement[int]:
    """A float number of seconds (whole microseconds) as integer microseconds,
    as ``ticketing.sla.totals.business_micros`` computes it: sums of them are
    exact, whatever order the database adds rows in."""
    return cast(func.round(seconds * literal(1_000_000)), BigInteger)
