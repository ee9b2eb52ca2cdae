"""Visitor applications: the family's pages (apply, follow, answer) and the liaison's
approvals queue. Views only translate HTTP to the services in visits.services.applications."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from scheduler.errors import DomainError, NotFound
from scheduler.http import show_error
from scheduler.inputs import parse_day
from visits import services
from visits.access import facility_of_liaison, household_of
from visits.models import (
    ApplicationStatus,
    ApplicationVisitor,
    Facility,
    Resident,
    VisitApplication,
)
from visits.reasons import ApplicationReason
from visits.services.applications import Consent
from visits.views_household import DateInput, people_with_ages


class ApplicationForm(forms.Form):
    """Whom she wants to visit, who would come, and each child's consent (fields added per
    child, named consent_by_<id>, consent_on_<id>, consent_doc_<id> as the service names its
    problems)."""

    facility = forms.ModelChoiceField(label=gettext_lazy("Facility"),
                                      queryset=Facility.objects.all(),
                                      empty_label=gettext_lazy("Choose…"))
    resident_name = forms.CharField(label=gettext_lazy("Name of the person you want to visit"),
                                    max_length=200)
    prison_id = forms.CharField(
        label=gettext_lazy("Their ID number at the facility (if you know it)"),
        max_length=40, required=False)
    visitor_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Who would come?"), coerce=int, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: object, people: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.people = people
        self.fields["visitor_ids"].choices = [(p.pk, str(p)) for p in people]
        for child in (p for p in people if p.child):
            self.fields[f"consent_by_{child.pk}"] = forms.CharField(
                label=_("Who gave consent (parent or legal guardian)"), max_length=150,
                required=False)
            self.fields[f"consent_on_{child.pk}"] = forms.DateField(
                label=_("Date consent was given"), required=False, widget=DateInput)
            self.fields[f"consent_doc_{child.pk}"] = forms.FileField(
                label=_("Signed form (photo or PDF, optional)"), required=False)

    def consents(self) -> dict[int, Consent]:
        data = self.cleaned_data
        return {child.pk: Consent(given_by=data.get(f"consent_by_{child.pk}") or "",
                                  given_on=data.get(f"consent_on_{child.pk}"),
                                  document=data.get(f"consent_doc_{child.pk}"))
                for child in self.people if child.child}

    def children(self) -> list[dict]:
        """Each child with her three consent fields, for the template."""
        return [{"child": child, "by": self[f"consent_by_{child.pk}"],
                 "on": self[f"consent_on_{child.pk}"], "doc": self[f"consent_doc_{child.pk}"]}
                for child in self.people if child.child]


def add_errors(form: forms.Form, error: DomainError) -> None:
    """A service's refusal, next to the field it names (or above the form)."""
    for field, problems in error.fields.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
    if not error.fields:
        form.add_error(None, error.message)


@login_required
def application_new(request: HttpRequest) -> HttpResponse:
    household = household_of(request.user)
    people = people_with_ages(list(household.visitors.order_by("-is_caregiver",
                                                                "date_of_birth")))
    form = ApplicationForm(request.POST or None, request.FILES or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(
                actor=request.user, facility_id=form.cleaned_data["facility"].pk,
                resident_name=form.cleaned_data["resident_name"],
                prison_id=form.cleaned_data["prison_id"],
                visitor_ids=form.cleaned_data["visitor_ids"], consents=form.consents())
        except DomainError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your application is sent. The facility will let "
                                        "you know."))
            return redirect("applications")
    return render(request, "visits/application_form.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    """Her applications, each with its status and the facility's reason."""
    household = household_of(request.user)
    rows = (VisitApplication.objects.filter(household=household)
            .select_related("facility").prefetch_related("people__visitor"))
    return render(request, "visits/applications.html", {"applications": rows})


@login_required
@require_POST
def application_answer(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        services.application_answer(actor=request.user, application_id=application_id,
                                    answer=request.POST.get("answer", ""))
    except NotFound:
        raise
    except DomainError as error:
        if error.status == 403:
            raise
        show_error(request, error)
    else:
        messages.success(request, _("Your answer is sent to the facility."))
    return redirect("applications")


def _document_for(request: HttpRequest, person_id: int) -> ApplicationVisitor:
    """Only her own household, or a liaison of the facility applied to; others 'not found'."""
    user = request.user
    person = (ApplicationVisitor.objects.select_related("application")
              .filter(pk=person_id).exclude(document="").first())
    if person is not None and (
        person.application.household.caregiver_id == user.pk
        or person.application.facility.liaisons.filter(user_id=user.pk).exists()
    ):
        return person
    raise NotFound(_("We could not find that document."))


@login_required
def document(request: HttpRequest, person_id: int) -> FileResponse:
    person = _document_for(request, person_id)
    response = FileResponse(person.document.open("rb"), as_attachment=True,
                            filename=f"consent-{person.pk}{_suffix(person.document_type)}",
                            content_type=person.document_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response


def _suffix(kind: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(kind, "")


# --- the liaison's approvals queue ------------------------------------------------------

QUEUE_FILTERS = {"waiting": [ApplicationStatus.PENDING],
                 "asked": [ApplicationStatus.MORE_INFO],
                 "approved": [ApplicationStatus.APPROVED],
                 "closed": [ApplicationStatus.DENIED, ApplicationStatus.REVOKED,
                            ApplicationStatus.EXPIRED]}


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    facility = facility_of_liaison(request.user)
    shown = request.GET.get("show") if request.GET.get("show") in QUEUE_FILTERS else "waiting"
    rows = (VisitApplication.objects.filter(facility=facility,
                                            status__in=QUEUE_FILTERS[shown])
            .select_related("household", "resident").prefetch_related("people__visitor")
            .order_by("created_at", "id"))
    return render(request, "visits/approvals_queue.html", {
        "facility": facility, "applications": rows, "shown": shown,
        "filters": [("waiting", _("Waiting")), ("asked", _("Asked for more")),
                    ("approved", _("Approved")), ("closed", _("Refused or withdrawn"))]})


def _facility_application(request: HttpRequest, application_id: int) -> VisitApplication:
    facility = facility_of_liaison(request.user)
    application = (VisitApplication.objects.select_related("household", "resident", "facility")
                   .filter(pk=application_id, facility=facility).first())
    if application is None:
        raise NotFound(_("We could not find that application."))
    return application


@login_required
def review(request: HttpRequest, application_id: int) -> HttpResponse:
    """One application: who, their ages and consents, the resident to match, the decision,
    and the audit trail of everything done to it."""
    application = _facility_application(request, application_id)
    return _review_page(request, application, errors={}, status=200)


def _review_page(request: HttpRequest, application: VisitApplication, *, errors: dict,
                 status: int) -> HttpResponse:
    people = list(application.people.select_related("visitor"))
    people_with_ages([p.visitor for p in people])
    residents = Resident.objects.filter(facility=application.facility).select_related("unit")
    return render(request, "visits/approval_review.html", {
        "application": application, "people": people, "residents": residents,
        "audit": application.audit.all(), "errors": errors, "posted": request.POST,
        "tz": application.facility.tz, "application_reasons": ApplicationReason.choices,
        "today": timezone.now().astimezone(application.facility.tz).date(),
    }, status=status)


@login_required
@require_POST
def decide(request: HttpRequest, application_id: int) -> HttpResponse:
    application = _facility_application(request, application_id)
    post = request.POST
    try:  # a bad id or date becomes None, which the service refuses by field
        resident_id = int(post["resident_id"]) if post.get("resident_id", "").isdigit() \
            else None
        expires_on = parse_day(post.get("expires_on"))  # not a date: "choose a date"
        services.application_decide(
            actor=request.user, application_id=application.pk,
            decision=post.get("decision", ""), reason_code=post.get("reason_code", ""),
            reason=post.get("reason", ""),
            expires_on=expires_on, resident_id=resident_id)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        application.refresh_from_db()
        errors = {k: v for k, v in error.fields.items()} or {"decision": [error.message]}
        return _review_page(request, application, errors=errors, status=error.status)
    messages.success(request, _("Saved. The family is told."))
    return redirect("approvals-queue")
