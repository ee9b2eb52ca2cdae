"""The fund's domain errors (rendered as `{"code", "message", "fields"}` by the API)."""

from django.utils.translation import gettext_lazy as _

from scheduler.errors import Conflict, DomainError


class InsufficientFunds(Conflict):
    code = "insufficient_funds"
    default_message = _("The travel fund does not have enough money for this.")


class MonthlyCapReached(Conflict):
    code = "monthly_cap_reached"
    default_message = _("This family has reached this month's limit for travel help.")


class PaymentServiceDown(DomainError):
    code = "payment_service_unavailable"
    status = 503
    default_message = _("The card payment service cannot be reached. Please try again later.")
