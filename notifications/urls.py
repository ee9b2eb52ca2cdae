from django.urls import path

from notifications import api

api_urlpatterns = [
    path("inbox/", api.InboxApi.as_view(), name="api-inbox"),
    path("inbox/<int:delivery_id>/read/", api.InboxReadApi.as_view(), name="api-inbox-read"),
    path("inbox/read-all/", api.InboxReadAllApi.as_view(), name="api-inbox-read-all"),
    path("preferences/", api.PreferenceApi.as_view(), name="api-preferences"),
]
