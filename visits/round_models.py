"""Request rounds: requests collected until a deadline, then shared out by a seeded lottery.

Imported at the end of `visits.models`, so these are ordinary models of the visits app.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MAX_CHOICES = 3


class PriorityWeights(models.Model):
    """How much each priority tilts a facility's lottery (0 turns one off).

    A weight of 1 is everyone's base chance; each priority adds to it, so a household
    with weight 3 is three times as likely as a base household to be drawn before it.
    """

    facility = models.OneToOneField(
        "visits.Facility", on_delete=models.CASCADE, related_name="priority_weights"
    )
    per_child = models.FloatField(_("added per child in the booking"), default=0.5)
    per_100_km = models.FloatField(_("added per 100 km travelled"), default=0.5)
    per_30_days_since_visit = models.FloatField(
        _("added per 30 days since the resident's last visit"), default=0.25
    )
    per_round_lost = models.FloatField(_("added per round lost in a row"), default=1.5)

    class Meta:
        verbose_name = _("lottery priority weights")
        verbose_name_plural = _("lottery priority weights")
        constraints = [
            models.CheckConstraint(
                condition=Q(per_child__gte=0, per_100_km__gte=0, per_30_days_since_visit__gte=0,
                            per_round_lost__gte=0),
                name="priority_weights_not_negative",
            )
        ]

    def __str__(self) -> str:
        return str(self.facility)


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Taking requests")
    ALLOCATED = "allocated", _("Places given out")
    # The rule went back to first come before the draw: nothing is drawn, places are booked.
    CANCELLED = "cancelled", _("Cancelled: places are first come")


class RequestRound(models.Model):
    """One rule's sessions of one week, shared out at `deadline` by a seeded lottery."""

    facility = models.ForeignKey(
        "visits.Facility", on_delete=models.CASCADE, related_name="request_rounds"
    )
    rule = models.ForeignKey(
        "visits.VisitingRule", on_delete=models.CASCADE, related_name="request_rounds"
    )
    week_start = models.DateField(_("week of (Monday)"))
    sessions = models.ManyToManyField("visits.Session", related_name="request_rounds")
    opens_at = models.DateTimeField(_("requests open at"))
    deadline = models.DateTimeField(_("requests close at"))
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    # Drawn when the round is allocated, not before: nobody can know it while requests
    # can still be changed, and it is recorded so anyone can re-run the draw.
    seed = models.BigIntegerField(_("lottery seed"), null=True, blank=True)
    allocated_at = models.DateTimeField(_("allocated at"), null=True, blank=True)
    # The lottery's exact inputs (slots, requests with their priorities, weights, what was
    # booked before), kept so that "verify" re-runs the same draw and compares.
    inputs = models.JSONField(default=dict, blank=True, editable=False)
    # When every household of a drawn round was told its outcome: a job after the draw's
    # commit tells them (so the draw holds its locks only for its own writes) and sets this
    # in the same transaction as the notices, so each household hears once.
    families_told_at = models.DateTimeField(
        _("families told at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "week_start"], name="one_round_per_rule_week"),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("opens_at")), name="round_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "cancelled"])
                | Q(seed__isnull=False, allocated_at__isnull=False),
                name="allocated_round_has_seed",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]
        verbose_name = _("request round")
        verbose_name_plural = _("request rounds")

    def __str__(self) -> str:
        return f"{self.rule} · {self.week_start:%Y-%m-%d}"

    @property
    def last_request_moment(self) -> dt.datetime:
        """The last moment a request counts: the deadline is a midnight, and "by the end
        of Thursday" reads better to a family than "by Friday 00:00"."""
        return self.deadline - dt.timedelta(seconds=1)


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the draw")
    GRANTED = "granted", _("Place given")
    WAITLISTED = "waitlisted", _("On the waiting list")
    NOT_GRANTED = "not_granted", _("No place")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Round cancelled")


# A request that still counts: it can be changed before the draw and is drawn at it.
LIVE_REQUEST_STATUSES = (RequestStatus.PENDING,)
# What counts as losing a round, for the "rounds lost in a row" priority.
LOST_STATUSES = (RequestStatus.WAITLISTED, RequestStatus.NOT_GRANTED)


class VisitRequest(models.Model):
    """A household's request in a round: who visits whom, and up to three ranked sessions."""

    round = models.ForeignKey(RequestRound, on_delete=models.CASCADE, related_name="requests")
    # No index of its own: the (household, status) index below serves lookups by household.
    household = models.ForeignKey(
        "visits.Household", on_delete=models.CASCADE, related_name="visit_requests",
        db_index=False,
    )
    resident = models.ForeignKey(
        "visits.Resident", on_delete=models.CASCADE, related_name="visit_requests"
    )
    visitors = models.ManyToManyField("visits.Visitor", related_name="visit_requests")
    # SET_NULL: a session the facility removes simply drops out of the ranking.
    first_choice = models.ForeignKey(
        "visits.Session", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    second_choice = models.ForeignKey(
        "visits.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    third_choice = models.ForeignKey(
        "visits.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    granted_session = models.ForeignKey(
        "visits.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_rank = models.PositiveSmallIntegerField(_("choice granted"), null=True, blank=True)
    booking = models.OneToOneField(
        "visits.Booking", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="visit_request",
    )
    position = models.PositiveIntegerField(_("place in the draw"), null=True, blank=True)
    weight = models.FloatField(_("lottery weight"), null=True, blank=True)
    # Why it got what it got: the priorities counted, and the reason each choice was
    # passed over (codes, worded in the reader's language when shown).
    explanation = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household", "resident"],
                condition=~Q(status="withdrawn"),
                name="one_live_request_per_household_resident_round",
            ),
            models.CheckConstraint(
                condition=Q(status="granted") | Q(booking__isnull=True),
                name="only_granted_request_has_booking",
            ),
        ]
        indexes = [models.Index(fields=["household", "status"])]
        verbose_name = _("visit request")
        verbose_name_plural = _("visit requests")

    def __str__(self) -> str:
        return f"#{self.pk} {self.household} · {self.round}"

    @property
    def choice_ids(self) -> list[int]:
        """Ranked session ids, best first, without gaps."""
        picks = (self.first_choice_id, self.second_choice_id, self.third_choice_id)
        return [pk for pk in picks if pk is not None]
