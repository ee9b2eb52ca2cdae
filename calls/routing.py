from django.urls import path

from calls.consumers import CallConsumer

websocket_urlpatterns = [path("ws/call/<id:booking_id>/", CallConsumer.as_asgi())]
