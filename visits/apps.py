from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from notifications.topics import register_private_topic, register_public_topic
        from visits.access import PLACES_TOPIC, ROSTER_TOPIC, may_follow_roster

        register_public_topic(PLACES_TOPIC)
        register_private_topic(ROSTER_TOPIC, may_follow_roster)
