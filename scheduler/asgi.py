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
