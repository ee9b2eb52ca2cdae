"""Why a request got what it got, in the reader's language.

The draw stores codes (so a liaison reading in English and a family reading in Spanish
see the same facts); these functions word them when a page or the API shows them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from visits.round_models import RequestStatus, VisitRequest

REASON_GROUPS = {
    "visitor_not_approved": "approval", "approval_expired": "approval",
    "guardian_consent_missing": "approval", "child_without_adult": "party",
    "no_visitors": "party", "too_many_adults": "party", "too_many_children": "party",
    "too_many_visitors": "party", "resident_busy": "overlap", "visitor_busy": "overlap",
}


def reason_text(code: str) -> str:
    """One reason a choice was passed over."""
    code = REASON_GROUPS.get(code, code)
    texts = {
        "full": _("All its places were taken before your turn in the draw."),
        "weekly_quota": _("It would go over the visits allowed per week for this person."),
        "monthly_quota": _("It would go over the visits allowed per month for this person."),
        "overlap": _("Someone in this request already has a visit at that time."),
        "session_closed": _("The facility closed this session."),
        "unit_closed": _("The facility has closed this person's unit to visits on that day."),
        "approval": _("Someone coming is not approved for this visit."),
        "party": _("Who is coming does not fit this session's rules."),
        "unknown_session": _("This session is no longer offered."),
    }
    return texts.get(code, _("It breaks one of the facility's visiting rules."))


def rank_text(rank: int) -> str:
    return {1: pgettext("choice", "1st"), 2: pgettext("choice", "2nd"),
            3: pgettext("choice", "3rd")}.get(rank, str(rank))


def priorities_text(explanation: dict) -> list[str]:
    """What tilted the draw for this request (only the priorities that counted)."""
    p = explanation.get("priorities") or {}
    out = []
    if p.get("children"):
        out.append(ngettext("%(n)d child coming", "%(n)d children coming", p["children"])
                   % {"n": p["children"]})
    if p.get("distance_km"):
        out.append(_("%(km)d km to travel") % {"km": round(p["distance_km"])})
    if p.get("days_since_last_visit"):
        out.append(ngettext("%(n)d day since the last visit", "%(n)d days since the last visit",
                            p["days_since_last_visit"]) % {"n": p["days_since_last_visit"]})
    if p.get("rounds_lost_in_row"):
        out.append(ngettext("lost the last draw", "lost the last %(n)d draws in a row",
                            p["rounds_lost_in_row"]) % {"n": p["rounds_lost_in_row"]})
    return out


def outcome_lines(request: VisitRequest) -> list[str]:
    """Sentences that explain the outcome of a drawn request, best first."""
    exp = request.explanation or {}
    if request.status == RequestStatus.PENDING or not exp:
        return []
    lines = [_("Drawn %(position)d of %(total)d.") % {"position": request.position or 0,
                                                       "total": exp.get("of", 0)}]
    reasons = exp.get("reasons") or {}
    for rank, session_id in enumerate(request.choice_ids, 1):
        label = _("%(rank)s choice") % {"rank": rank_text(rank)}
        if session_id == request.granted_session_id:
            lines.append(_("%(choice)s: given to you.") % {"choice": label})
            break
        why = reasons.get(str(session_id))
        if why:
            lines.append(f"{label}: {reason_text(why)}")
    if request.status == RequestStatus.WAITLISTED:
        count = len(exp.get("waitlisted_on") or [])
        lines.append(ngettext(
            "You are on the waiting list of %(n)d of your choices, in draw order.",
            "You are on the waiting lists of %(n)d of your choices, in draw order.", count)
            % {"n": count})
    return lines
