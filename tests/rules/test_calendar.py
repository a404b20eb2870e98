from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st

from worklog.rules.calendar import (clearance_rate, is_working_day, next_working_day, submission_deadline,
                                    working_days)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# National Day week: 1–7 October holidays, Saturday 10 October a make-up working day.
NATIONAL_DAY = {date(2026, 10, d): False for d in range(1, 8)} | {date(2026, 10, 10): True}


def test_weekdays_weekends_and_overrides():
    assert is_working_day(date(2026, 9, 30), {})           # Wednesday
    assert not is_working_day(date(2026, 10, 3), {})       # Saturday
    assert not is_working_day(date(2026, 10, 1), NATIONAL_DAY)  # Thursday, but a holiday
    assert is_working_day(date(2026, 10, 10), NATIONAL_DAY)     # Saturday, made a working day


def test_deadline_is_nine_on_the_next_working_day():
    # Friday's log is due Monday 09:00 in Shanghai, i.e. 01:00 UTC.
    due = submission_deadline(date(2026, 11, 27), {}, time(9), SHANGHAI)
    assert due.astimezone(timezone.utc) == datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)
    # The last day before National Day is due on 8 October, after the seven-day holiday.
    assert submission_deadline(date(2026, 9, 30), NATIONAL_DAY, time(9), SHANGHAI).date() == date(2026, 10, 8)
    # Friday 9 October is due on the make-up Saturday.
    assert next_working_day(date(2026, 10, 9), NATIONAL_DAY) == date(2026, 10, 10)


def test_working_days_in_october():
    days = list(working_days(date(2026, 10, 1), date(2026, 10, 31), NATIONAL_DAY))
    # 22 weekdays, less 5 weekday holidays (1, 2, 5, 6, 7), plus the make-up Saturday.
    assert len(days) == 18
    assert date(2026, 10, 10) in days and date(2026, 10, 1) not in days


def test_clearance_rate():
    assert clearance_rate(0, 0) is None
    assert clearance_rate(22, 21) == Decimal("95.5")
    assert clearance_rate(3, 3) == Decimal("100.0")


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_next_working_day_is_after_and_working(day):
    nxt = next_working_day(day, NATIONAL_DAY)
    assert nxt > day and is_working_day(nxt, NATIONAL_DAY)
    assert all(not is_working_day(day + timedelta(days=i), NATIONAL_DAY) for i in range(1, (nxt - day).days))
