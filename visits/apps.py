from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from notifications.links import register_link
        from notifications.topics import register_private_topic, register_public_topic
        from visits.access import PLACES_TOPIC, ROSTER_TOPIC, may_follow_roster
        from visits.links import application_link, booking_link, family_link

        register_public_topic(PLACES_TOPIC)
        register_private_topic(ROSTER_TOPIC, may_follow_roster)
        # Where the inbox's "Open" leads a family (staff's messages name the roster's day).
        register_link("visits.booking.", booking_link)
        register_link("visits.session.closed", booking_link)
        register_link("visits.application.", application_link)
        register_link("visits.approval.", family_link)
