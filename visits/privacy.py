"""What visits holds about one household, for her download (reads only)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from visits.access import household_of
from visits.models import ApplicationVisitor, Booking, Household


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def household_export(user: AbstractBaseUser) -> dict[str, Any]:
    """Her household, people, applications (with consents) and bookings, as plain JSON."""
    household = household_of(user)
    return {
        "household": {"name": household.name, "phone": household.phone,
                      "distance_km": household.distance_km},
        "people": [{"first_name": v.first_name, "last_name": v.last_name,
                    "date_of_birth": _iso(v.date_of_birth), "account_holder": v.is_caregiver}
                   for v in household.visitors.order_by("date_of_birth", "pk")],
        "applications": _applications(household),
        "bookings": _bookings(household),
    }


def _applications(household: Household) -> list[dict[str, Any]]:
    rows = []
    for application in (household.applications.select_related("facility")
                        .prefetch_related("people__visitor").order_by("created_at", "pk")):
        rows.append({
            "facility": application.facility.name, "resident_name": application.resident_name,
            "prison_id_given": application.prison_id_given, "status": application.status,
            "reason_code": application.reason_code, "reason": application.reason,
            "answer": application.answer,
            "sent_at": _iso(application.created_at), "approved_until": _iso(
                application.expires_on),
            "people": [{"name": str(p.visitor), "consent_given_by": p.consent_given_by,
                        "consent_given_on": _iso(p.consent_given_on),
                        "document": document_name(p) if p.document else None}
                       for p in application.people.all()],
        })
    return rows


def _bookings(household: Household) -> list[dict[str, Any]]:
    bookings = (Booking.objects.filter(household=household)
                .select_related("session__facility", "resident")
                .prefetch_related("visitors").order_by("session__starts_at", "pk"))
    return [{"facility": b.session.facility.name,
             "resident": f"{b.resident.first_name} {b.resident.last_name}",
             "kind": b.session.kind, "starts_at": _iso(b.session.starts_at),
             "ends_at": _iso(b.session.ends_at), "status": b.status,
             "reason_code": b.reason_code, "reason": b.reason,
             "visitors": [str(v) for v in b.visitors.all()]} for b in bookings]


def document_name(person: ApplicationVisitor) -> str:
    """Where a consent form sits inside her download."""
    suffix = person.document.name.rsplit(".", 1)[-1] if "." in person.document.name else "bin"
    return f"documents/consent-{person.pk}.{suffix}"


def household_documents(user: AbstractBaseUser) -> list[ApplicationVisitor]:
    """Her consent forms, to put in her download."""
    return list(ApplicationVisitor.objects.filter(application__household__caregiver_id=user.pk)
                .exclude(document=""))
