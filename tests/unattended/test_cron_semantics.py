"""`--cron` means what it means to cron, not to APScheduler 3's from_crontab: weekday 0 is
Sunday, and a day of month with a weekday means either; an expression that never fires or
does not parse is an input error (exit 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auditor.model.errors import InputError
from auditor.unattended.schedule import parse_cron

SUNDAY = datetime(2026, 1, 4, 12, tzinfo=UTC)  # a Sunday, after the 1st and before the 13th


def fire_days(cron: str, count: int = 6, after: datetime = SUNDAY) -> list[str]:
    """The first `count` firing days as 'Mon 05', from `after` on."""
    trigger = parse_cron(cron)
    days, previous, now = [], None, after
    for _ in range(count):
        when = trigger.get_next_fire_time(previous, now)
        assert when is not None
        days.append(when.strftime("%a %d"))
        previous, now = when, when + timedelta(seconds=1)
    return days


@pytest.mark.parametrize(
    ("weekday", "days"),
    [
        ("1", ["Mon 05", "Mon 12", "Mon 19"]),
        ("0", ["Sun 11", "Sun 18", "Sun 25"]),
        ("7", ["Sun 11", "Sun 18", "Sun 25"]),
        ("sun", ["Sun 11", "Sun 18", "Sun 25"]),
        ("1-5", ["Mon 05", "Tue 06", "Wed 07"]),
        ("mon-fri", ["Mon 05", "Tue 06", "Wed 07"]),
        ("5-7", ["Fri 09", "Sat 10", "Sun 11"]),
        ("fri-sun", ["Fri 09", "Sat 10", "Sun 11"]),
        ("*/2", ["Tue 06", "Thu 08", "Sat 10"]),  # 0, 2, 4, 6: Sunday first
        ("0,3", ["Wed 07", "Sun 11", "Wed 14"]),
    ],
)
def test_weekdays_count_from_sunday_as_in_crontab(weekday: str, days: list[str]) -> None:
    assert fire_days(f"0 9 * * {weekday}", count=3) == days


def test_a_day_of_month_and_a_weekday_mean_either() -> None:
    # The 13th, and every Friday: cron's rule when both fields are restricted.
    assert fire_days("0 0 13 * 5", count=4) == ["Fri 09", "Tue 13", "Fri 16", "Fri 23"]
    # A field starting with * restricts nothing: then both must hold, as in cron.
    assert fire_days("0 0 */2 * 1", count=3) == ["Mon 05", "Mon 19", "Mon 09"]


def test_the_time_zone_applies() -> None:
    trigger = parse_cron("30 9 * * 1", "Europe/Paris")
    when = trigger.get_next_fire_time(None, SUNDAY)
    assert when is not None and when.astimezone(UTC).strftime("%a %H:%M") == "Mon 08:30"


@pytest.mark.parametrize(
    ("cron", "says"),
    [
        ("0 0 31 2 *", "never fires"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6,9,11 *", "never fires"),
        ("0 0 * * 8", "'8' is not a weekday"),
        ("0 0 * * monday", "'monday' is not a weekday"),
        ("0 0 * * 5-1", "not a range"),
        ("0 0 * * 1/0", "not a range"),
        ("0 0 * *", "got 4 fields, expected 5"),
        ("", "got 0 fields"),
        ("61 * * * *", "invalid cron expression"),
    ],
)
def test_what_cannot_fire_is_refused(cron: str, says: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_cron(cron)
    assert raised.value.source == "--cron" and says in str(raised.value)


def test_a_date_that_exists_only_with_the_weekday_rule_still_fires() -> None:
    # February 30th never comes, but cron also fires on every Monday.
    assert fire_days("0 0 30 2 1", count=2, after=datetime(2026, 1, 31, tzinfo=UTC)) == [
        "Mon 02",
        "Mon 09",
    ]


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "../etc/passwd", "UTC\0"])
def test_an_unknown_time_zone_is_refused(zone: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_cron("* * * * *", zone)
    assert raised.value.source == "--timezone"
