"""Visitor applications: a family asks a facility to approve the people who would visit one
resident, with a guardian's consent for each child, and the facility decides.

Imported at the end of `visits.models`, so these are ordinary models of the visits app.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from visits.reasons import CODE_LENGTH, ApplicationReason, label_of


def private_storage() -> Storage:
    """Documents live outside the static and media folders: only a view that checks who is
    asking serves them (STORAGES["private"])."""
    return storages["private"]


def document_path(instance: ApplicationVisitor, filename: str) -> str:
    """A random name: nothing about the child, and no name another family could guess."""
    suffix = PurePath(filename).suffix.lower()[:6]
    return f"consent/{uuid.uuid4().hex}{suffix}"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the facility")
    MORE_INFO = "more_info", _("The facility needs more information")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Not approved")
    REVOKED = "revoked", _("Approval withdrawn")
    # Past its "approved until" date (visits.services.applications_expire_due).
    EXPIRED = "expired", _("Approval ran out")


class VisitApplication(models.Model):
    household = models.ForeignKey(
        "visits.Household", on_delete=models.CASCADE, related_name="applications")
    facility = models.ForeignKey(
        "visits.Facility", on_delete=models.PROTECT, related_name="applications")
    # As the family wrote them: she may not know the spelling the facility uses.
    resident_name = models.CharField(_("name of the person you want to visit"), max_length=200)
    prison_id_given = models.CharField(_("their ID number at the facility"), max_length=40,
                                       blank=True)
    # Set by the liaison (or matched from the ID number); never shown to the family.
    resident = models.ForeignKey("visits.Resident", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="applications")
    status = models.CharField(_("status"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.PENDING)
    expires_on = models.DateField(_("approved until"), null=True, blank=True)
    # What the facility tells the family: why not, or what it needs; a code picked from a
    # list (read in the family's language) and the liaison's note as typed.
    reason_code = models.CharField(_("reason"), max_length=CODE_LENGTH,
                                   choices=ApplicationReason.choices, blank=True)
    reason = models.CharField(_("note from the facility"), max_length=500, blank=True)
    # The family's answer when the facility asked for more.
    answer = models.CharField(_("your answer"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("sent on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["facility", "status"])]
        verbose_name = _("visitor application")
        verbose_name_plural = _("visitor applications")

    def __str__(self) -> str:
        return f"#{self.pk} {self.household} → {self.resident_name}"

    @property
    def reason_label(self) -> str:
        return label_of(self.reason_code)


class ApplicationVisitor(models.Model):
    """One person on an application; for a child, the guardian's consent."""

    application = models.ForeignKey(VisitApplication, on_delete=models.CASCADE,
                                    related_name="people")
    visitor = models.ForeignKey("visits.Visitor", on_delete=models.CASCADE,
                                related_name="applications")
    consent_given_by = models.CharField(_("consent given by"), max_length=150, blank=True)
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    document = models.FileField(_("signed consent form"), storage=private_storage,
                                upload_to=document_path, max_length=200, blank=True)
    document_type = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["visitor__date_of_birth", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "visitor"],
                                               name="visitor_once_per_application")]
        verbose_name = _("person on an application")
        verbose_name_plural = _("people on applications")

    def __str__(self) -> str:
        return f"{self.visitor} on #{self.application_id}"


class AuditAction(models.TextChoices):
    APPLIED = "applied", _("Application sent")
    CONSENT = "consent", _("Guardian's consent recorded")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Not approved")
    MORE_INFO = "more_info", _("More information asked for")
    ANSWERED = "answered", _("Family answered")
    REVOKED = "revoked", _("Approval withdrawn")
    EXPIRED = "expired", _("Approval ran out")


class _AuditEntry(models.Model):
    """Who did something, and when. Append-only: a row is written once and never changed
    (save refuses an update; the admin shows it read-only)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    # The name at the time: an account deleted later still leaves who it was.
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("The audit trail is append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ApplicationAudit(_AuditEntry):
    """Who did what to an application, and when (append-only)."""

    application = models.ForeignKey(VisitApplication, on_delete=models.CASCADE,
                                    related_name="audit")
    action = models.CharField(_("what"), max_length=12, choices=AuditAction.choices)
    detail = models.CharField(_("details"), max_length=500, blank=True)

    class Meta(_AuditEntry.Meta):
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"#{self.application_id} {self.action} by {self.actor_name} at {self.at}"


class ApprovalAudit(_AuditEntry):
    """Who approved, denied or withdrew one visitor for one resident, when, and why (the
    API's decisions on an approval itself; an application's decisions are in its own
    trail). Append-only, like ApplicationAudit."""

    approval = models.ForeignKey("visits.ApprovedVisitor", on_delete=models.CASCADE,
                                 related_name="audit")
    status = models.CharField(_("decision"), max_length=10)
    reason_code = models.CharField(_("reason"), max_length=CODE_LENGTH, blank=True,
                                   choices=ApplicationReason.choices)
    reason = models.CharField(_("note from the facility"), max_length=500, blank=True)

    class Meta(_AuditEntry.Meta):
        verbose_name = _("approval decision")
        verbose_name_plural = _("approval decisions")

    def __str__(self) -> str:
        return f"approval #{self.approval_id} {self.status} by {self.actor_name} at {self.at}"
