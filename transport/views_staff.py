"""Pages for running a ride program without the admin: its staff (the program
administrator), vehicles, drivers and pickup points (coordinators), and a driver's own home
base and availability. Views translate HTTP to `transport.staff` and back."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from scheduler.errors import DomainError, InvalidInput, NotFound
from scheduler.http import run_action, show_error
from scheduler.inputs import parse_id
from scheduler.invitations import send_invitation
from transport import staff
from transport.geocoding import geocoder
from transport.models import StaffRole


def _form_errors(form: forms.Form, error: DomainError, default: str) -> None:
    """A refused service call shown on the form: each field's problem at its field."""
    for name, problems in (error.fields or {default: [error.message]}).items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


def _number(label: Any, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=99, error_messages={
        "invalid": gettext_lazy("Enter a whole number."),
        "min_value": gettext_lazy("Give 0 or more."),
        "max_value": gettext_lazy("Give 99 or fewer.")}, **kwargs)


# --- the program administrator's staff page ----------------------------------------------


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=StaffRole.choices,
                             widget=forms.RadioSelect, initial=StaffRole.DRIVER)


@login_required
def program_staff(request: HttpRequest) -> HttpResponse:
    people = staff.staff_of_program(user=request.user)  # NotPermitted unless its admin
    admin = staff.program_admin_of(request.user)
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = staff.staff_invite(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _form_errors(form, error, "email")
        else:
            link = request.build_absolute_uri(reverse("staff-invitation", args=[token]))
            sent = send_invitation(email=invitation.email, link=link, place=admin.program.name,
                            role=invitation.get_role_display())
            if not sent:
                messages.error(request, _("The invitation could not be emailed just now. "
                                          "Try again in a few minutes."))
                return redirect(request.path)
            messages.success(request, _("Invitation sent to %(email)s. The link works once, "
                                        "for a limited time.") % {"email": invitation.email})
            return redirect("program-staff")
    donate_link = request.build_absolute_uri(
        f"{reverse('fund-donate')}?program={admin.program_id}") if admin.program_id else ""
    return render(request, "transport/staff.html", {
        "program": admin.program, "form": form, "me": admin, **people,
        "donate_link": donate_link,
        "facilities": staff.facilities_for_program(user=request.user),
    }, status=400 if form.errors else 200)


@require_POST
@login_required
def program_facilities(request: HttpRequest) -> HttpResponse:
    """The administrator ticks the facilities her program drives families to."""
    raw = request.POST.getlist("facilities")
    ids = [parse_id(value) for value in raw]

    def save() -> None:
        if None in ids:
            message = _("Choose facilities from the list.")
            raise InvalidInput(message, fields={"facilities": [message]})
        staff.program_facilities_set(actor=request.user,
                                     facility_ids=[i for i in ids if i is not None])

    return run_action(request, save, _("Saved. Rides to these facilities are your program's."),
                      reverse("program-staff") + "#facilities")


@require_POST
@login_required
def program_invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return run_action(request, lambda: staff.staff_invitation_cancel(
        actor=request.user, invitation_id=invitation_id),
        _("The invitation is withdrawn; its link no longer works."), reverse("program-staff"))


@require_POST
@login_required
def coordinator_remove(request: HttpRequest, coordinator_id: int) -> HttpResponse:
    return run_action(request, lambda: staff.coordinator_remove(
        actor=request.user, coordinator_id=coordinator_id),
        _("Removed. This person no longer sees the program's rides."), reverse("program-staff"))


@require_POST
@login_required
def driver_remove(request: HttpRequest, driver_id: int) -> HttpResponse:
    try:
        removed = staff.driver_remove(actor=request.user, driver_id=driver_id)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _driver_removed_message(removed))
    return redirect("program-staff")


def _driver_removed_message(removed: staff.DriverRemoved) -> str:
    """True to what happened: with rides of hers to come, how many now wait for a plan."""
    if not removed.rides:
        return _("Removed. This driver is not planned any more; past trips stay.")
    return _("Removed. Rides taken off her trips, waiting to be planned again: %(count)d. "
             "Plan their days again on the board. The families, the program's coordinators "
             "and the driver are told; past trips stay.") % {"count": removed.rides}


# --- vehicles ----------------------------------------------------------------------------


class VehicleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name drivers recognise"), max_length=100)
    seats = _number(gettext_lazy("Passenger seats"))
    child_seats = _number(gettext_lazy("Child seats fitted"), initial=0)
    wheelchair_places = _number(gettext_lazy("Wheelchair places"), initial=0)
    active = forms.BooleanField(label=gettext_lazy("In service"), required=False, initial=True)


@login_required
def vehicles(request: HttpRequest) -> HttpResponse:
    """GET: the program's vehicles. POST: add one, or change one (`vehicle` names it)."""
    rows = list(staff.vehicles_of_program(user=request.user))
    named = request.POST.get("vehicle", "") if request.method == "POST" else ""
    vehicle_id = parse_id(named) if named else None
    if named and vehicle_id is None:
        # An edit naming no vehicle of hers must not quietly add a new one.
        raise NotFound(_("This vehicle is not in your program."))
    form = VehicleForm(request.POST or None,
                       auto_id=f"v{vehicle_id}-%s" if vehicle_id else "id_%s")
    if request.method == "POST" and form.is_valid():
        try:
            staff.vehicle_save(actor=request.user, vehicle_id=vehicle_id,
                               data=staff.VehicleData(**form.cleaned_data))
        except DomainError as error:
            _form_errors(form, error, "name")
        else:
            messages.success(request, _("Saved."))
            return redirect("vehicles")
    for vehicle in rows:
        vehicle.form = (form if vehicle.pk == vehicle_id else VehicleForm(
            initial={k: getattr(vehicle, k) for k in VehicleForm.base_fields},
            auto_id=f"v{vehicle.pk}-%s"))
    return render(request, "transport/vehicles.html", {
        "vehicles": rows, "form": form if vehicle_id is None else VehicleForm(),
        "editing": vehicle_id,
    }, status=400 if form.errors else 200)


# --- drivers -----------------------------------------------------------------------------


@login_required
def drivers(request: HttpRequest) -> HttpResponse:
    rows = list(staff.drivers_of_program(user=request.user))
    windows = staff.upcoming_windows(drivers=rows)
    for driver in rows:
        driver.chosen = {v.pk for v in driver.vehicles.all()}
        driver.windows = windows.get(driver.pk, [])
    return render(request, "transport/drivers.html", {
        "drivers": rows, "vehicles": staff.vehicles_of_program(user=request.user),
        "zone": str(_zone(request.user)),
    })


@require_POST
@login_required
def driver_vehicles(request: HttpRequest, driver_id: int) -> HttpResponse:
    ids = [parse_id(raw) for raw in request.POST.getlist("vehicles")]

    def save() -> None:
        if None in ids:
            raise InvalidInput(_("Choose vehicles from the list."))
        staff.driver_vehicles_set(actor=request.user, driver_id=driver_id,
                                  vehicle_ids=[i for i in ids if i is not None])

    return run_action(request, save, _("Saved."), reverse("drivers") + f"#driver-{driver_id}")


# --- pickup points -------------------------------------------------------------------------


class PickupPointForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name families know"), max_length=100)
    address = forms.CharField(label=gettext_lazy("Street address"), max_length=200)
    zip = forms.CharField(label=gettext_lazy("ZIP code"), max_length=10)


def _locate(zip_code: str, field: str) -> tuple[float, float]:
    point = geocoder().locate(zip_code)
    if point is None:
        message = _("We do not know this ZIP code. Check its five digits.")
        raise InvalidInput(message, fields={field: [message]})
    return point.latitude, point.longitude


@login_required
def pickup_points(request: HttpRequest) -> HttpResponse:
    rows = staff.pickup_points_of_program(user=request.user)
    form = PickupPointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            latitude, longitude = _locate(data["zip"], "zip")
            staff.pickup_point_add(actor=request.user, name=data["name"],
                                   address=f"{data['address'].strip()} {data['zip'].strip()}",
                                   latitude=latitude, longitude=longitude)
        except DomainError as error:
            _form_errors(form, error, "name")
        else:
            messages.success(request, _("Added. Families can choose it on the ride form."))
            return redirect("pickup-points")
    return render(request, "transport/pickup_points.html", {"points": rows, "form": form},
                  status=400 if form.errors else 200)


@require_POST
@login_required
def pickup_point_active(request: HttpRequest, point_id: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    done = _("Families can choose it again.") if active else _("Families no longer see it.")
    return run_action(request, lambda: staff.pickup_point_set_active(
        actor=request.user, point_id=point_id, active=active), done, reverse("pickup-points"))


# --- a driver's own availability --------------------------------------------------------


class HomeForm(forms.Form):
    home_base = forms.CharField(label=gettext_lazy("Town or street you start from"),
                                max_length=200)
    zip = forms.CharField(label=gettext_lazy("ZIP code"), max_length=10)


class WindowForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), input_formats=["%Y-%m-%d"],
                          widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    starts = forms.TimeField(label=gettext_lazy("Start time"), input_formats=["%H:%M", "%H:%M:%S"],
                             widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    ends = forms.TimeField(label=gettext_lazy("End time"), input_formats=["%H:%M", "%H:%M:%S"],
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    vehicle = forms.TypedChoiceField(label=gettext_lazy("Vehicle"), required=False, coerce=int,
                                     empty_value=None)

    def __init__(self, *args: Any, vehicles: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].choices = [("", _("Any vehicle I drive"))] + vehicles


def _zone(user: Any) -> zoneinfo.ZoneInfo:
    from notifications.preferences import preference_of

    return zoneinfo.ZoneInfo(preference_of(user).time_zone)


@login_required
def availability(request: HttpRequest) -> HttpResponse:
    """GET: her home base and windows to come. POST: add a window, or (`home`) move home."""
    windows = list(staff.availability_of_driver(user=request.user))  # NotPermitted unless hers
    driver = staff.driver_of_user(request.user)
    zone = _zone(request.user)
    choices = [(v.pk, v.name) for v in driver.vehicles.filter(active=True)]
    posted = request.POST if request.method == "POST" else None
    home_form = HomeForm(posted if posted and "home" in posted else None,
                         initial={"home_base": driver.home_base})
    form = WindowForm(posted if posted and "home" not in posted else None, vehicles=choices)
    if posted is not None:
        saved = _save_home(request, home_form) if "home" in posted else _save_window(
            request, form, zone)
        if saved:
            return redirect("driver-availability")
    return render(request, "transport/availability.html", {
        "driver": driver, "windows": windows, "form": form, "home_form": home_form,
        "zone": str(zone),
    }, status=400 if form.errors or home_form.errors else 200)


def _save_home(request: HttpRequest, form: HomeForm) -> bool:
    if not form.is_valid():
        return False
    try:
        latitude, longitude = _locate(form.cleaned_data["zip"], "zip")
        staff.driver_home_set(actor=request.user, home_base=form.cleaned_data["home_base"],
                              latitude=latitude, longitude=longitude)
    except DomainError as error:
        _form_errors(form, error, "home_base")
        return False
    messages.success(request, _("Saved. Your trips start and end there."))
    return True


def _save_window(request: HttpRequest, form: WindowForm, zone: zoneinfo.ZoneInfo) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    starts = dt.datetime.combine(data["day"], data["starts"], tzinfo=zone)
    ends = dt.datetime.combine(data["day"], data["ends"], tzinfo=zone)
    try:
        staff.availability_add(actor=request.user, starts_at=starts, ends_at=ends,
                               vehicle_id=data["vehicle"])
    except DomainError as error:
        _form_errors(form, error, "starts")
        return False
    messages.success(request, _("Added. Coordinators can plan rides for you then."))
    return True


@require_POST
@login_required
def availability_remove(request: HttpRequest, window_id: int) -> HttpResponse:
    return run_action(request, lambda: staff.availability_remove(
        actor=request.user, window_id=window_id), _("Removed."), reverse("driver-availability"))
