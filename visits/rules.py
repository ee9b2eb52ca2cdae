"""Eligibility of a draft booking, as pure functions: facts in, every violation out.

No ORM here: `visits.services.booking` gathers the facts under its locks and calls
`check_booking`; the same function serves the page, the API and the allocation lottery.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from visits.calendar import local_date, local_midnight_utc

ADULT_AGE = 18


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    field: str = "non_field_errors"


@dataclass(frozen=True)
class VisitorFacts:
    id: int
    first_name: str
    date_of_birth: dt.date
    approval_status: str | None  # None: never asked for this resident
    approval_expires_on: dt.date | None = None
    guardian_consent: bool = False


@dataclass(frozen=True)
class SessionFacts:
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    is_open: bool
    tz_name: str
    max_adults: int
    max_children: int
    max_visitors: int
    opens_days_before: int
    closes_hours_before: int
    weekly_quota: int
    monthly_quota: int


@dataclass(frozen=True)
class DraftBooking:
    session: SessionFacts
    visitors: list[VisitorFacts]
    now: dt.datetime
    # Live bookings of the same kind the resident already has in the session's local
    # week and month (requested + confirmed), not counting this one.
    resident_week_count: int = 0
    resident_month_count: int = 0
    resident_has_overlap: bool = False
    visitors_with_overlap: list[str] = field(default_factory=list)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_child_age(age: int) -> bool:
    return age < ADULT_AGE


def is_child(visitor: VisitorFacts, day: dt.date) -> bool:
    return is_child_age(age_on(visitor.date_of_birth, day))


def booking_window(session: SessionFacts) -> tuple[dt.datetime, dt.datetime]:
    """When booking opens (local midnight N days before) and closes (M hours before)."""
    day = local_date(session.starts_at, session.tz_name)
    opens = local_midnight_utc(day - dt.timedelta(days=session.opens_days_before), session.tz_name)
    closes = session.starts_at - dt.timedelta(hours=session.closes_hours_before)
    return opens, closes


def check_session_open(draft: DraftBooking) -> list[Violation]:
    if draft.session.is_open:
        return []
    return [Violation("session_closed", _("This session has been closed by the facility."))]


def check_window(draft: DraftBooking) -> list[Violation]:
    opens, closes = booking_window(draft.session)
    if draft.now < opens:
        when = opens.astimezone(local_tz(draft.session)).strftime("%Y-%m-%d %H:%M")
        return [
            Violation(
                "window_not_open",
                _("Booking for this session opens on %(when)s.") % {"when": when},
            )
        ]
    if draft.now >= closes:
        return [
            Violation(
                "window_closed",
                ngettext(
                    "Booking closes %(hours)d hour before the visit.",
                    "Booking closes %(hours)d hours before the visit.",
                    draft.session.closes_hours_before,
                )
                % {"hours": draft.session.closes_hours_before},
            )
        ]
    return []


def local_tz(session: SessionFacts) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(session.tz_name)


def check_approvals(draft: DraftBooking) -> list[Violation]:
    day = local_date(draft.session.starts_at, draft.session.tz_name)
    out = []
    for visitor in draft.visitors:
        problem = approval_problem(visitor, day)
        if problem:
            out.append(Violation(problem[0], problem[1], field="visitor_ids"))
    return out


def approval_problem(visitor: VisitorFacts, day: dt.date) -> tuple[str, str] | None:
    name = {"name": visitor.first_name}
    if visitor.approval_status != "approved":
        return "visitor_not_approved", _(
            "%(name)s is not on this person's approved visitor list yet."
        ) % name
    if visitor.approval_expires_on and visitor.approval_expires_on < day:
        return "approval_expired", _(
            "%(name)s's approval expires before this visit; ask the facility to renew it."
        ) % name
    if is_child(visitor, day) and not visitor.guardian_consent:
        return "guardian_consent_missing", _(
            "The facility needs a guardian's consent on file for %(name)s."
        ) % name
    return None


def check_party(draft: DraftBooking) -> list[Violation]:
    s = draft.session
    day = local_date(s.starts_at, s.tz_name)
    children = sum(1 for v in draft.visitors if is_child(v, day))
    adults = len(draft.visitors) - children
    out = []
    if not draft.visitors:
        out.append(Violation("no_visitors", _("Choose who is coming."), "visitor_ids"))
    if children and not adults:
        out.append(
            Violation(
                "child_without_adult",
                _("Children can only visit with an approved adult in the same booking."),
                "visitor_ids",
            )
        )
    out.extend(check_counts(s, adults, children))
    return out


def check_counts(s: SessionFacts, adults: int, children: int) -> list[Violation]:
    out = []
    if adults > s.max_adults:
        out.append(Violation("too_many_adults", ngettext(
            "At most %(n)d adult may come to this visit.",
            "At most %(n)d adults may come to this visit.", s.max_adults) % {"n": s.max_adults},
            "visitor_ids"))
    if children > s.max_children:
        out.append(Violation("too_many_children", ngettext(
            "At most %(n)d child may come to this visit.",
            "At most %(n)d children may come to this visit.", s.max_children)
            % {"n": s.max_children}, "visitor_ids"))
    if adults + children > s.max_visitors:
        out.append(Violation("too_many_visitors", ngettext(
            "At most %(n)d person may come to this visit.",
            "At most %(n)d people may come to this visit.", s.max_visitors)
            % {"n": s.max_visitors}, "visitor_ids"))
    return out


def check_quota(draft: DraftBooking) -> list[Violation]:
    s = draft.session
    out = []
    if draft.resident_week_count >= s.weekly_quota:
        out.append(Violation("weekly_quota", ngettext(
            "This person already has %(n)d visit booked that week, the most allowed.",
            "This person already has %(n)d visits booked that week, the most allowed.",
            s.weekly_quota) % {"n": s.weekly_quota}))
    if draft.resident_month_count >= s.monthly_quota:
        out.append(Violation("monthly_quota", ngettext(
            "This person already has %(n)d visit booked that month, the most allowed.",
            "This person already has %(n)d visits booked that month, the most allowed.",
            s.monthly_quota) % {"n": s.monthly_quota}))
    return out


def check_overlaps(draft: DraftBooking) -> list[Violation]:
    out = []
    if draft.resident_has_overlap:
        out.append(Violation(
            "resident_busy", _("This person already has a visit booked at that time.")))
    for name in draft.visitors_with_overlap:
        out.append(Violation(
            "visitor_busy",
            _("%(name)s is already booked for another visit at that time.") % {"name": name},
            "visitor_ids"))
    return out


CHECKS = (
    check_session_open,
    check_window,
    check_approvals,
    check_party,
    check_quota,
    check_overlaps,
)


def check_booking(draft: DraftBooking) -> list[Violation]:
    """Every rule the draft breaks, all at once (an empty list means it may be booked)."""
    violations: list[Violation] = []
    for check in CHECKS:
        violations.extend(check(draft))
    return violations
