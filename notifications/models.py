
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from scheduler.inputs import validate_time_zone


class Event(models.Model):
    """One change people must hear about, written in the same transaction as the change.

    `data` holds only what every recipient may see: never a prison ID, never another
    household's children. `i18n` keeps the untranslated title and body (msgid and
    parameters) so each reader gets them in their own language, not the actor's.
    """

    type = models.CharField(_("type"), max_length=80)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    i18n = models.JSONField(_("translatable text"), default=dict, blank=True)
    # Cancellations and closures: never held back by quiet hours.
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class Delivery(models.Model):
    """An event in one user's inbox, and what was sent to them outside the app.

    Each channel is leased (`*_lease_until`, compare-and-swap) while it is sent and marked
    (`emailed_at` / `sms_at`) once the provider took it: a task that runs twice sends once,
    and one that dies mid-send leaves a lease that runs out. `external_due_at` is set while
    email/SMS may still be owed: the periodic sweep picks up deliveries whose task was lost
    or died, held by quiet hours, or failed and waits for a retry.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    sms_at = models.DateTimeField(_("text message sent at"), null=True, blank=True)
    # A sender holds these while it calls the provider; one that ran out means it died.
    email_lease_until = models.DateTimeField(_("email being sent until"), null=True, blank=True)
    sms_lease_until = models.DateTimeField(_("text being sent until"), null=True, blank=True)
    external_due_at = models.DateTimeField(_("email/SMS due at"), null=True, blank=True)
    external_attempts = models.PositiveSmallIntegerField(_("email/SMS attempts"), default=0)

    class Meta:
        ordering = ["-event_id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="delivery_once_per_user")
        ]
        indexes = [
            models.Index(
                fields=["external_due_at"],
                condition=Q(external_due_at__isnull=False),
                name="delivery_external_due",
            )
        ]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"event #{self.event_id} to user #{self.user_id}"


class Preference(models.Model):
    """How one person wants to hear from us: channels, language and quiet hours."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("email"), default=True)
    sms_enabled = models.BooleanField(_("text messages"), default=False)
    # E.164, e.g. +15551234567; only ever used to send this person's own messages.
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True)
    # The number also signs her in (she gave it on sign-up or on "Change my mobile
    # number"), and whether she proved it with a texted code. A number typed on the
    # preferences page only receives texts until she proves it.
    phone_signs_in = models.BooleanField(_("signs in with this number"), default=False)
    phone_verified = models.BooleanField(_("number proved by a code"), default=False)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # Local wall-clock times in `time_zone`; a start after the end spans midnight.
    quiet_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE,
        validators=[validate_time_zone],
    )
    # False until she picks a zone herself: until then `time_zone` follows the zone her
    # device reports (notifications.zone), so a family who never opened the settings still
    # reads her own local times, and quiet hours fall at her night.
    time_zone_chosen = models.BooleanField(_("time zone chosen by the person"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="preference_quiet_hours_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(sms_enabled=False) | ~Q(phone=""),
                name="preference_sms_needs_phone",
            ),
            # One account per proved sign-in number: the number finds the account.
            models.UniqueConstraint(
                fields=["phone"], condition=Q(phone_signs_in=True, phone_verified=True),
                name="preference_one_account_per_sign_in_number",
            ),
        ]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preferences of user #{self.user_id}"
