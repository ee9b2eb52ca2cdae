import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scheduler.settings")

from scheduler.asgi_handler import one_hop_asgi_application

django_asgi_app = one_hop_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from calls.routing import websocket_urlpatterns as call_sockets  # noqa: E402
from notifications.auth import LiveAuthStack  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            LiveAuthStack(URLRouter(websocket_urlpatterns + call_sockets))
        ),
    }
)


def _freeze_what_startup_made() -> None:
    """Leave the objects made at start-up (Django's apps, models, URL patterns, templates'
    libraries: some 170,000) out of Python's cyclic collections from now on. They live as
    long as the process, yet every full collection walked them again: under a booking rush
    that halved the time a server process spends collecting (1.4 s to 0.7 s of 28 s)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (loaded lazily otherwise: load it now)
    gc.freeze()


_freeze_what_startup_made()
