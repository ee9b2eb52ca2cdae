"""Create a believable demo: two facilities, rules, residents, families and staff.

It lives in the project package: it seeds every app (visits' families and transport's
coordinator and driver), and only scheduler/ may know them all."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from calls.models import Station
from transport.services import DEMO_PROGRAM, coordinator_ensure, driver_ensure, program_ensure
from visits.info_models import FacilityInfo
from visits.models import (
    AllocationMode,
    ApprovalStatus,
    ApprovedVisitor,
    Facility,
    Household,
    HousingUnit,
    Liaison,
    Resident,
    VisitingRule,
    VisitKind,
    Visitor,
)
from visits.services import rounds_open_due, sessions_fill_horizon

DEMO_PASSWORD = "visit-demo-2026"

FACILITIES = [
    {
        "name": "Lakeview Women's Correctional Center",
        "time_zone": "America/Chicago",
        "address": "1200 Lakeview Rd, Decatur, IL",
        "phone": "+1 217 555 0142",
        "latitude": 39.84, "longitude": -88.95,
        "units": ["Unit A", "Unit B"],
    },
    {
        "name": "High Desert State Prison",
        "time_zone": "America/Los_Angeles",
        "address": "475 Rice Canyon Rd, Susanville, CA",
        "phone": "+1 530 555 0177",
        "latitude": 40.41, "longitude": -120.65,
        "units": ["Yard C"],
    },
]

# What families read before the trip (the liaisons keep it on "Information for families").
FACILITY_INFO = {
    "en": {
        "directions": "From the highway take exit 12, then follow the signs to the visitor "
                      "entrance on the north side.",
        "hours": "The visiting office answers Monday to Friday, 8 a.m. to 4 p.m.",
        "parking": "Free parking in lot B, next to the visitor entrance.",
        "dress_code": "No shorts, sleeveless tops, hats or open-toed shoes.",
        "id_adults": "A photo ID issued by a government: driver's license, state ID or "
                     "passport.",
        "id_children": "A birth certificate for each child under 18.",
        "bring": "Coins for the lockers and the vending machines (up to $20 in a clear bag).",
        "not_bring": "Phones, bags, food or drinks.",
        "lockers": "Lockers in the lobby take quarters.",
        "accessibility": "Wheelchair access through the main lobby; ask at the desk.",
    },
    "es": {
        "directions": "Desde la autopista tome la salida 12 y siga las señales hasta la "
                      "entrada de visitantes, del lado norte.",
        "hours": "La oficina de visitas atiende de lunes a viernes, de 8 a. m. a 4 p. m.",
        "parking": "Estacionamiento gratis en el lote B, junto a la entrada de visitantes.",
        "dress_code": "Nada de pantalones cortos, camisetas sin mangas, gorras ni sandalias.",
        "id_adults": "Una identificación oficial con foto: licencia de conducir, "
                     "identificación estatal o pasaporte.",
        "id_children": "El acta de nacimiento de cada menor de 18 años.",
        "bring": "Monedas para los casilleros y las máquinas (hasta $20 en una bolsa "
                 "transparente).",
        "not_bring": "Teléfonos, bolsos, comida ni bebidas.",
        "lockers": "Los casilleros del vestíbulo funcionan con monedas de 25 centavos.",
        "accessibility": "Acceso en silla de ruedas por el vestíbulo principal; pregunte en "
                         "el mostrador.",
    },
}

RESIDENTS = [  # first, last, prison id, facility index, unit name
    ("Maria", "Lopez", "W48213", 0, "Unit A"),
    ("Tanya", "Brooks", "W51877", 0, "Unit B"),
    ("Aisha", "Johnson", "W60342", 0, "Unit A"),
    ("Daniel", "Reyes", "H20931", 1, "Yard C"),
]

# caregiver user, household name, caregiver (first, last, born), children, resident index
FAMILIES = [
    ("rosa", "Lopez family", ("Rosa", "Lopez", dt.date(1961, 4, 2)),
     [("Sofia", "Lopez", 9), ("Mateo", "Lopez", 6)], 0),
    ("linda", "Brooks family", ("Linda", "Brooks", dt.date(1958, 11, 20)),
     [("Jaylen", "Brooks", 12)], 1),
    ("carmen", "Reyes family", ("Carmen", "Reyes", dt.date(1985, 7, 14)),
     [("Lucia", "Reyes", 4)], 3),
]


def years_ago(age: int) -> dt.date:
    today = timezone.now().date()
    return today.replace(year=today.year - age) - dt.timedelta(days=40)


class Command(BaseCommand):
    help = "Seed demo data and print the logins (use --json for a machine-readable copy)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print logins and ids as JSON")
        parser.add_argument("--url", default="http://127.0.0.1:8000/",
                            help="where the demo will be served, for the printed links")
        parser.add_argument("--households", type=int, default=0,
                            help="add N more households with approved visitors (load tests)")
        parser.add_argument("--fair-draw", action="store_true",
                            help="also give Lakeview a Saturday family day shared out by "
                                 "request rounds (a seeded lottery) instead of first come")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["households"] < 0:
            self.stderr.write("--households must be 0 or more")
            raise SystemExit(2)
        with transaction.atomic():
            facilities = [self._facility(spec) for spec in FACILITIES]
            residents = [self._resident(r, facilities) for r in RESIDENTS]
            users = self._staff(facilities)
            families = [self._family(f, residents) for f in FAMILIES]
            extra = self._load_households(options["households"], residents)
        if options["fair_draw"]:
            self._fair_draw_rule(facilities[0])
        sessions = sessions_fill_horizon()
        rounds_open_due()
        report = self._report(facilities, residents, users, families, extra, sessions)
        report["url"] = options["url"].rstrip("/") + "/"
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self._print(report)

    def _facility(self, spec: dict[str, Any]) -> Facility:
        fields = {k: v for k, v in spec.items() if k not in {"name", "units"}}
        facility, _ = Facility.objects.get_or_create(name=spec["name"], defaults=fields)
        # No outside video service: calls are held by the service itself (calls/), and each
        # unit has a video station account (station-a for Unit A, station-c for Yard C).
        for unit_name in spec["units"]:
            unit, _ = HousingUnit.objects.get_or_create(facility=facility, name=unit_name)
            self._station(facility, unit)
        for language, texts in FACILITY_INFO.items():
            FacilityInfo.objects.get_or_create(facility=facility, language=language,
                                               defaults=texts)
        self._rules(facility)
        return facility

    def _station(self, facility: Facility, unit: HousingUnit) -> None:
        username = f"station-{unit.name.split()[-1].lower()}"
        user = self._user(username, unit.name, "station")
        Station.objects.get_or_create(user=user, defaults={
            "unit": unit, "name": f"{unit.name} video station"})

    def _rules(self, facility: Facility) -> None:
        today = timezone.now().date()
        rules = [
            ("Weekend visits", VisitKind.IN_PERSON,
             "FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=9,13;BYMINUTE=0",
             120, 12, "Arrive 30 minutes early with photo ID. No bags in the visiting room.",
             "Visitas de fin de semana",
             "Llegue 30 minutos antes con una identificación con foto. No se permiten bolsos "
             "en la sala de visitas."),
            ("Evening video calls", VisitKind.VIDEO, "FREQ=DAILY;BYHOUR=18,19;BYMINUTE=0",
             30, 4, "Join from My visits on your phone, up to 10 minutes early. "
                    "Test your camera first.",
             "Videollamadas por la tarde",
             "Entre desde Mis visitas en su teléfono, hasta 10 minutos antes. "
             "Pruebe su cámara primero."),
        ]
        for name, kind, rrule, minutes, capacity, how, name_es, how_es in rules:
            VisitingRule.objects.get_or_create(
                facility=facility, name=name,
                defaults={"kind": kind, "rrule": rrule, "starts_on": today,
                          "duration_minutes": minutes, "capacity": capacity,
                          "opens_days_before": 21, "closes_hours_before": 2,
                          "cancel_hours_before": 2, "weekly_quota": 3, "monthly_quota": 10,
                          "join_instructions": how, "name_es": name_es,
                          "join_instructions_es": how_es},
            )

    def _fair_draw_rule(self, facility: Facility) -> None:
        """Requests open three weeks ahead and close eight days ahead, so some round is
        always taking requests in the demo, whatever the day."""
        VisitingRule.objects.get_or_create(
            facility=facility, name="Saturday family day",
            defaults={"kind": VisitKind.IN_PERSON, "rrule": "FREQ=WEEKLY;BYDAY=SA;BYHOUR=10,14;"
                      "BYMINUTE=0", "starts_on": timezone.now().date(), "duration_minutes": 120,
                      "capacity": 6, "opens_days_before": 21, "closes_hours_before": 24,
                      "allocation_mode": AllocationMode.ROUND, "round_opens_days_before": 21,
                      "round_closes_days_before": 8,
                      "join_instructions": "Shared out by a fair draw a week ahead.",
                      "name_es": "Sábado en familia",
                      "join_instructions_es": "Se reparte por sorteo justo una semana antes."},
        )

    def _resident(self, row: tuple, facilities: list[Facility]) -> Resident:
        first, last, prison_id, fi, unit_name = row
        facility = facilities[fi]
        unit = HousingUnit.objects.get(facility=facility, name=unit_name)
        resident, _ = Resident.objects.get_or_create(
            facility=facility, prison_id=prison_id,
            defaults={"first_name": first, "last_name": last, "unit": unit},
        )
        return resident

    def _demo_password_hash(self) -> str:
        """Every demo account shares the demo password: hash it once per run. Each hash
        takes PBKDF2's full work (0.65 s on a slow machine), and the browser tests seed
        the demo for every test."""
        if not hasattr(self, "_password_hash"):
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def _user(self, username: str, first: str, last: str, **extra: Any):
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, **extra}
        )
        if created:
            user.password = self._demo_password_hash()
            user.save(update_fields=["password"])
        Token.objects.get_or_create(user=user)
        return user

    def _staff(self, facilities: list[Facility]) -> dict[str, Any]:
        liaison = self._user("liaison", "Dana", "Whitfield")
        Liaison.objects.get_or_create(user=liaison, defaults={"facility": facilities[0]})
        liaison2 = self._user("liaison2", "Marcus", "Hale")
        Liaison.objects.get_or_create(user=liaison2, defaults={"facility": facilities[1]})
        # Each facility's administrator decides who its liaisons are (/roster/staff/).
        facilityadmin = self._user("facilityadmin", "Ruth", "Okafor")
        Liaison.objects.update_or_create(user=facilityadmin, defaults={
            "facility": facilities[0], "is_admin": True})
        # The demo's nonprofit drives families to every demo facility.
        program = program_ensure(name=DEMO_PROGRAM, facility_ids=[f.pk for f in facilities])
        coordinator = self._user("coordinator", "Priya", "Shah")
        coordinator_ensure(user=coordinator, program=program)
        # The program's administrator invites coordinators and drivers (/rides/staff/).
        programadmin = self._user("programadmin", "Grace", "Baptiste")
        coordinator_ensure(user=programadmin, program=program, is_admin=True)
        driver = self._user("driver", "Joe", "Miller")
        driver_ensure(user=driver, home_base="Springfield, IL", program=program)
        admin = self._user("admin", "Site", "Admin", is_staff=True, is_superuser=True)
        return {"liaison": liaison, "liaison2": liaison2, "facilityadmin": facilityadmin,
                "coordinator": coordinator, "programadmin": programadmin,
                "driver": driver, "admin": admin}

    def _family(self, row: tuple, residents: list[Resident]) -> Household:
        username, name, (first, last, born), children, ri = row
        user = self._user(username, first, last)
        household, _ = Household.objects.get_or_create(caregiver=user, defaults={"name": name})
        people = [Visitor.objects.get_or_create(
            household=household, first_name=first, last_name=last,
            defaults={"date_of_birth": born, "is_caregiver": True})[0]]
        for child_first, child_last, age in children:
            people.append(Visitor.objects.get_or_create(
                household=household, first_name=child_first, last_name=child_last,
                defaults={"date_of_birth": years_ago(age)})[0])
        for person in people:
            ApprovedVisitor.objects.get_or_create(
                visitor=person, resident=residents[ri],
                defaults={"status": ApprovalStatus.APPROVED, "guardian_consent_on_file": True,
                          "expires_on": timezone.now().date() + dt.timedelta(days=365)})
        return household

    def _load_households(self, count: int, residents: list[Resident]) -> list[dict[str, Any]]:
        """Many households at once; one shared password hash keeps this fast."""
        if not count:
            return []
        User = get_user_model()
        start = User.objects.filter(username__startswith="family").count()
        password = self._demo_password_hash()
        new_users = User.objects.bulk_create([
            User(username=f"family{start + i}", first_name="Family", last_name=str(start + i),
                 password=password) for i in range(count)])
        new_users = list(User.objects.filter(username__in=[u.username for u in new_users]))
        Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in new_users])
        households = Household.objects.bulk_create([
            Household(caregiver=u, name=f"Family {u.last_name}") for u in new_users])
        return self._load_people(households, residents)

    def _load_people(self, households: list[Household], residents: list[Resident]) -> list[dict]:
        visitors, pairs = [], []
        for i, household in enumerate(households):
            adult = Visitor(household=household, first_name="Adult", last_name=str(i),
                            date_of_birth=dt.date(1970, 1, 1), is_caregiver=True)
            child = Visitor(household=household, first_name="Child", last_name=str(i),
                            date_of_birth=years_ago(8))
            visitors += [adult, child]
            pairs.append((household, adult, child, residents[i % len(residents)]))
        Visitor.objects.bulk_create(visitors)
        expires = timezone.now().date() + dt.timedelta(days=365)
        ApprovedVisitor.objects.bulk_create([
            ApprovedVisitor(visitor=v, resident=r, status=ApprovalStatus.APPROVED,
                            guardian_consent_on_file=True, expires_on=expires)
            for _, a, c, r in pairs for v in (a, c)])
        tokens = dict(Token.objects.filter(user__in=[h.caregiver_id for h, *_ in pairs])
                      .values_list("user_id", "key"))
        return [{"username": h.caregiver.username, "password": DEMO_PASSWORD,
                 "token": tokens[h.caregiver_id], "household_id": h.pk, "resident_id": r.pk,
                 "visitor_ids": [a.pk, c.pk]} for h, a, c, r in pairs]

    def _report(self, facilities, residents, users, families, extra, sessions) -> dict:
        def login(user, role: str) -> dict:
            return {"role": role, "username": user.username, "password": DEMO_PASSWORD,
                    "token": Token.objects.get(user=user).key, "user_id": user.pk}

        logins = [login(h.caregiver, "caregiver") | {"household_id": h.pk} for h in families]
        logins += [login(users[k], k.rstrip("2")) for k in
                   ("liaison", "liaison2", "coordinator", "driver", "admin")]
        logins += [login(users["facilityadmin"], "facility admin"),
                   login(users["programadmin"], "program admin")]
        stations = Station.objects.select_related("user", "unit").order_by("user__username")
        logins += [login(s.user, "station") | {"unit": s.unit.name} for s in stations]
        return {
            "url": "",  # set by handle() from --url
            "logins": logins,
            "facilities": [{"id": f.pk, "name": f.name, "time_zone": f.time_zone}
                           for f in facilities],
            "residents": [{"id": r.pk, "first_name": r.first_name, "facility_id": r.facility_id}
                          for r in residents],
            "households": extra,
            "sessions_created": sessions,
        }

    def _print(self, report: dict) -> None:
        self.stdout.write(f"Demo ready at {report['url']}  (API docs: {report['url']}api/docs/)")
        self.stdout.write(f"Logins (password for all: {DEMO_PASSWORD}):")
        for login in report["logins"]:
            self.stdout.write(f"  {login['role']:<15} {login['username']}")
        if report["households"]:
            self.stdout.write(f"Added {len(report['households'])} load-test households "
                              f"(family0, family1, ...).")
