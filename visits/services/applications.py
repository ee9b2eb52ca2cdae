"""Visitor applications: the family applies (with each child's guardian consent), the
facility's liaison approves, refuses, asks for more or withdraws; each step is told to the
family in her language and written to the application's append-only audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.services import event_emit
from notifications.text import Text, day
from scheduler.errors import Conflict, InvalidInput, NotFound
from visits.access import facility_of_liaison, lock_household_of
from visits.application_models import private_storage
from visits.calendar import local_date, local_midnight_utc
from visits.models import (
    LIVE_STATUSES,
    ApplicationAudit,
    ApplicationStatus,
    ApplicationVisitor,
    ApprovalStatus,
    ApprovedVisitor,
    AuditAction,
    Booking,
    Facility,
    Resident,
    VisitApplication,
    Visitor,
)
from visits.reasons import ApplicationReason, reason_check, reason_message
from visits.services.common import liaison_languages, now

# What a consent form may be: the first bytes of the file decide, not its name.
DOCUMENT_SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg",
                       b"\x89PNG\r\n\x1a\n": "image/png"}


@dataclass(frozen=True)
class Consent:
    """A guardian's consent for one child, as the family recorded it."""

    given_by: str = ""
    given_on: dt.date | None = None
    document: UploadedFile | None = None


def document_type(upload: UploadedFile, field: str) -> str:
    """The document's type from its first bytes; InvalidInput if too big or not a photo/PDF."""
    if upload.size > settings.APPLICATION_DOCUMENT_MAX_BYTES:
        raise InvalidInput(fields={field: [_(
            "This file is too big. Please send a photo or PDF smaller than %(mb)d MB.")
            % {"mb": settings.APPLICATION_DOCUMENT_MAX_BYTES // (1024 * 1024)}]})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for signature, kind in DOCUMENT_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise InvalidInput(fields={field: [_("Please send a photo (JPEG or PNG) or a PDF.")]})


def _check_consents(children: list[Visitor], consents: dict[int, Consent],
                    today: dt.date) -> dict[int, str]:
    """Each child's consent is complete and believable; returns each document's type."""
    fields: dict[str, list[str]] = {}
    types: dict[int, str] = {}
    for child in children:
        consent = consents.get(child.pk, Consent())
        if not consent.given_by.strip():
            fields[f"consent_by_{child.pk}"] = [_("Write who gave consent for %(name)s.")
                                                % {"name": child.first_name}]
        elif len(consent.given_by.strip()) > 150:
            fields[f"consent_by_{child.pk}"] = [_("This name is too long.")]
        if consent.given_on is None:
            fields[f"consent_on_{child.pk}"] = [_("Write the date consent was given.")]
        elif consent.given_on > today:
            fields[f"consent_on_{child.pk}"] = [_("This date is in the future.")]
        if consent.document is not None:
            try:
                types[child.pk] = document_type(consent.document, f"consent_doc_{child.pk}")
            except InvalidInput as error:
                fields.update(error.fields)
    if fields:
        raise InvalidInput(fields=fields)
    return types


def _check_application(*, facility_id: int, resident_name: str, prison_id: str,
                       visitors: list[Visitor], wanted: list[int]) -> Facility:
    fields: dict[str, list[str]] = {}
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None:
        fields["facility"] = [_("Choose the facility.")]
    if not resident_name.strip():
        fields["resident_name"] = [_("Write the name of the person you want to visit.")]
    elif len(resident_name.strip()) > 200 or len(prison_id.strip()) > 40:
        fields["resident_name"] = [_("This name is too long.")]
    if not wanted or len(visitors) != len(set(wanted)):
        fields["visitor_ids"] = [_("Choose who would come, from your family.")]
    elif facility and all(v.is_child_on(local_date(now(), facility.time_zone))
                          for v in visitors):
        fields["visitor_ids"] = [_("A child can only visit with an adult. Choose an adult "
                                   "too.")]
    if fields:
        raise InvalidInput(fields=fields)
    return facility  # type: ignore[return-value]


def application_submit(
    *, actor: AbstractBaseUser, facility_id: int, resident_name: str, prison_id: str = "",
    visitor_ids: list[int], consents: dict[int, Consent],
) -> VisitApplication:
    """A family's application to visit one resident. Raises NotPermitted, InvalidInput
    (naming each field). Locks the household; nothing is saved unless all of it is right:
    a failure after a document was stored removes the document too."""
    saved: list[str] = []
    try:
        return _submit(actor=actor, facility_id=facility_id, resident_name=resident_name,
                       prison_id=prison_id, visitor_ids=visitor_ids, consents=consents,
                       saved=saved)
    except BaseException:
        for name in saved:
            private_storage().delete(name)
        raise


def _submit(*, actor: AbstractBaseUser, facility_id: int, resident_name: str, prison_id: str,
            visitor_ids: list[int], consents: dict[int, Consent],
            saved: list[str]) -> VisitApplication:
    with transaction.atomic():
        household = lock_household_of(actor)
        visitors = list(Visitor.objects.filter(household=household, pk__in=visitor_ids))
        facility = _check_application(facility_id=facility_id, resident_name=resident_name,
                                      prison_id=prison_id, visitors=visitors,
                                      wanted=visitor_ids)
        today = local_date(now(), facility.time_zone)
        children = [v for v in visitors if v.is_child_on(today)]
        types = _check_consents(children, consents, today)
        application = VisitApplication.objects.create(
            household=household, facility=facility, resident_name=resident_name.strip(),
            prison_id_given=prison_id.strip(),
            # Matched quietly for the liaison; the family never learns whether it matched.
            resident=Resident.objects.filter(facility=facility,
                                             prison_id__iexact=prison_id.strip()).first()
            if prison_id.strip() else None)
        _audit(application, actor, AuditAction.APPLIED,
               ", ".join(v.first_name for v in visitors))
        for visitor in visitors:
            _add_person(application, visitor, consents.get(visitor.pk), types.get(visitor.pk),
                        actor, saved)
        _tell_liaisons(application)
    return application


def _add_person(application: VisitApplication, visitor: Visitor, consent: Consent | None,
                kind: str | None, actor: AbstractBaseUser, saved: list[str]) -> None:
    row = ApplicationVisitor(application=application, visitor=visitor)
    if consent is not None and consent.given_on is not None:
        row.consent_given_by = consent.given_by.strip()
        row.consent_given_on = consent.given_on
        if consent.document is not None:
            row.document.save(consent.document.name or "form", consent.document, save=False)
            row.document_type = kind or ""
            saved.append(row.document.name)
        _audit(application, actor, AuditAction.CONSENT,
               f"{visitor.first_name}: {row.consent_given_by}, {row.consent_given_on}"
               + (" (+ document)" if row.document else ""))
    row.save()


def _audit(application: VisitApplication, actor: AbstractBaseUser | None, action: str,
           detail: str = "") -> None:
    name = (actor.get_full_name() or actor.get_username()) if actor is not None else ""
    ApplicationAudit.objects.create(application=application, actor=actor, actor_name=name,
                                    action=action, detail=detail[:500])


def _tell_liaisons(application: VisitApplication) -> None:
    languages = liaison_languages(application.facility_id)
    if not languages:
        return
    user_model = get_user_model()
    event_emit(type="visits.application.submitted",
               title=Text(gettext_noop("A new visitor application")),
               recipients=[user_model(pk=pk) for pk in languages], external=False,
               data={"application_id": application.pk}, languages=languages)


# Which decisions a liaison may take from which status.
DECISIONS = {
    "approve": ([ApplicationStatus.PENDING, ApplicationStatus.MORE_INFO],
                ApplicationStatus.APPROVED, AuditAction.APPROVED),
    "deny": ([ApplicationStatus.PENDING, ApplicationStatus.MORE_INFO],
             ApplicationStatus.DENIED, AuditAction.DENIED),
    "more_info": ([ApplicationStatus.PENDING], ApplicationStatus.MORE_INFO,
                  AuditAction.MORE_INFO),
    "revoke": ([ApplicationStatus.APPROVED], ApplicationStatus.REVOKED, AuditAction.REVOKED),
}

# Events written before the reason lists carry this message id: kept in the catalogue so
# they still read in each reader's language.
LEGACY_DECISION_BODY = gettext_noop("The facility says: %(reason)s")

# What the family reads about each decision, in her own language.
DECISION_TEXTS = {
    "approve": (gettext_noop("Your visitor application is approved"),
                gettext_noop("You can now book visits with %(name)s until %(until)s.")),
    # The others' body is the reason: `reason_message` of the code and the note.
    "deny": (gettext_noop("Your visitor application was not approved"), ""),
    "more_info": (gettext_noop("The facility needs more about your visitor application"), ""),
    "revoke": (gettext_noop("Your approval to visit was withdrawn"), ""),
}


def _check_decision(facility: Facility, *, decision: str, expires_on: dt.date | None,
                    resident_id: int | None) -> Resident | None:
    if decision not in DECISIONS:
        raise InvalidInput(fields={"decision": [_("Choose approve, refuse, ask for more "
                                                  "or withdraw.")]})
    if decision != "approve":
        return None
    fields: dict[str, list[str]] = {}
    if expires_on is None or expires_on <= local_date(now(), facility.time_zone):
        fields["expires_on"] = [_("Choose an expiry date after today.")]
    resident = Resident.objects.filter(pk=resident_id, facility=facility).first() \
        if resident_id else None
    if resident is None:
        fields["resident_id"] = [_("Choose the resident at your facility this family means.")]
    if fields:
        raise InvalidInput(fields=fields)
    return resident


def application_decide(
    *, actor: AbstractBaseUser, application_id: int, decision: str, reason_code: str = "",
    reason: str = "", expires_on: dt.date | None = None, resident_id: int | None = None,
) -> VisitApplication:
    """A liaison approves (with the matched resident and an expiry), refuses, asks for more
    or withdraws an approval; the last three with an `ApplicationReason` code and her note
    as typed (a note alone is kept as "other"). Raises NotPermitted, NotFound (another
    facility's), InvalidInput, Conflict (decided meanwhile). Locks the application row."""
    facility = facility_of_liaison(actor)
    resident = _check_decision(facility, decision=decision, expires_on=expires_on,
                               resident_id=resident_id)
    code, note = ("", "") if decision == "approve" else reason_check(
        ApplicationReason, reason_code, reason,
        limit=VisitApplication._meta.get_field("reason").max_length)
    allowed, to, action = DECISIONS[decision]
    with transaction.atomic():
        application = (VisitApplication.objects.select_for_update()
                       .select_related("household__caregiver")
                       .filter(pk=application_id, facility=facility).first())
        if application is None:
            raise NotFound(_("We could not find that application."))
        if application.status not in allowed:
            raise Conflict(_("This application is %(status)s now, so it cannot be changed "
                             "that way.") % {"status": application.get_status_display()},
                           code="wrong_status")
        _apply_decision(application, decision, to=to, why=(code, note),
                        expires_on=expires_on, resident=resident)
        _audit(application, actor, action, _decision_detail(application, decision))
        _tell_family(application, decision)
    return application


def _apply_decision(application: VisitApplication, decision: str, *, to: str,
                    why: tuple[str, str], expires_on: dt.date | None,
                    resident: Resident | None) -> None:
    application.status = to
    application.reason_code, application.reason = why
    if decision == "approve":
        application.resident, application.expires_on = resident, expires_on
        _approve_people(application)
    if decision == "revoke":
        ApprovedVisitor.objects.filter(
            resident_id=application.resident_id,
            visitor__in=application.people.values("visitor"),
        ).update(status=ApprovalStatus.REVOKED, decided_at=now())
    application.save()


def _approve_people(application: VisitApplication) -> None:
    """The booking rules read ApprovedVisitor: one row per person and resident."""
    for person in application.people.select_related("visitor"):
        ApprovedVisitor.objects.update_or_create(
            visitor=person.visitor, resident=application.resident,
            defaults={"status": ApprovalStatus.APPROVED, "expires_on": application.expires_on,
                      "guardian_consent_on_file": person.consent_given_on is not None,
                      "decided_at": now()})


def _decision_detail(application: VisitApplication, decision: str) -> str:
    if decision == "approve":
        return f"{application.resident} · {application.expires_on}"
    # The staff's record, in English whoever reads it later: the code, then the note.
    return " · ".join(part for part in (application.reason_code, application.reason) if part)


def _tell_family(application: VisitApplication, decision: str) -> None:
    title, body = DECISION_TEXTS[decision]
    until = application.expires_on
    params = {"name": application.resident_name,
              "until": day(until, with_year=True) if until else ""}
    told = Text(body, params) if body else reason_message(application.reason_code,
                                                          application.reason)
    event_emit(type=f"visits.application.{decision}", title=Text(title),
               body=told, recipients=[application.household.caregiver],
               data={"application_id": application.pk}, urgent=decision == "revoke")


def application_answer(*, actor: AbstractBaseUser, application_id: int,
                       answer: str) -> VisitApplication:
    """The family answers the facility's question; the application waits again.
    Raises NotPermitted, NotFound (another household's), InvalidInput, Conflict."""
    if not answer.strip():
        raise InvalidInput(fields={"answer": [_("Write your answer.")]})
    limit = VisitApplication._meta.get_field("answer").max_length
    if len(answer.strip()) > limit:
        raise InvalidInput(fields={"answer": [
            _("Keep your answer to %(limit)d characters or fewer.") % {"limit": limit}]})
    with transaction.atomic():
        household = lock_household_of(actor)
        changed = VisitApplication.objects.filter(
            pk=application_id, household=household, status=ApplicationStatus.MORE_INFO,
        ).update(status=ApplicationStatus.PENDING, answer=answer.strip(), updated_at=now())
        application = VisitApplication.objects.filter(
            pk=application_id, household=household).first()
        if application is None:
            raise NotFound(_("We could not find that application."))
        if not changed:
            raise Conflict(_("The facility is not waiting for an answer on this "
                             "application."), code="wrong_status")
        _audit(application, actor, AuditAction.ANSWERED, answer.strip())
        _tell_liaisons(application)
    return application


EXPIRY_TEXTS = (
    gettext_noop("Your approval to visit has run out"),
    gettext_noop("Your approval to visit %(name)s ended on %(until)s. To keep visiting, "
                 "send a new application from the My applications page."),
    gettext_noop("Your approval to visit %(name)s ended on %(until)s, and you have visits "
                 "booked after that day. The facility sees them flagged: send a new "
                 "application from the My applications page so they can go ahead."),
)


def applications_expire_due() -> int:
    """The periodic sweep (run_periodic): approvals past their "approved until" day, in
    each facility's own calendar, are marked run out, written to the audit trail, and the
    family is told, with a warning when visits are booked after that day (the roster
    flags those for the liaison). Each application once: a guarded status update."""
    expired = 0
    for facility in Facility.objects.filter(
            applications__status=ApplicationStatus.APPROVED).distinct():
        today = local_date(now(), facility.time_zone)
        due = VisitApplication.objects.filter(
            facility=facility, status=ApplicationStatus.APPROVED, expires_on__lt=today)
        for application_id in due.values_list("pk", flat=True):
            expired += _expire(application_id)
    return expired


def _expire(application_id: int) -> int:
    with transaction.atomic():
        if not VisitApplication.objects.filter(
                pk=application_id, status=ApplicationStatus.APPROVED,
        ).update(status=ApplicationStatus.EXPIRED, updated_at=now()):
            return 0  # another worker's sweep took it
        application = VisitApplication.objects.select_related(
            "household__caregiver", "facility").get(pk=application_id)
        _audit(application, None, AuditAction.EXPIRED, str(application.expires_on))
        _tell_family_expired(application)
    return 1


def _tell_family_expired(application: VisitApplication) -> None:
    booked_after = Booking.objects.filter(
        household_id=application.household_id, resident_id=application.resident_id,
        status__in=LIVE_STATUSES, session__starts_at__gte=local_midnight_utc(
            application.expires_on + dt.timedelta(days=1), application.facility.time_zone),
    ).exists()
    title, body, body_booked = EXPIRY_TEXTS
    event_emit(type="visits.application.expired", title=Text(title),
               body=Text(body_booked if booked_after else body, {
                   "name": application.resident_name,
                   "until": day(application.expires_on, with_year=True)}),
               recipients=[application.household.caregiver],
               data={"application_id": application.pk}, urgent=booked_after)
