from django.urls import path

from notifications import api, views

api_urlpatterns = [
    path("inbox/", api.InboxApi.as_view(), name="api-inbox"),
    path("inbox/<id:delivery_id>/read/", api.InboxReadApi.as_view(), name="api-inbox-read"),
    path("inbox/read-all/", api.InboxReadAllApi.as_view(), name="api-inbox-read-all"),
    path("preferences/", api.PreferenceApi.as_view(), name="api-preferences"),
]

page_urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<id:delivery_id>/read/", views.inbox_mark_read, name="inbox-read"),
    path("inbox/read-all/", views.inbox_mark_all_read, name="inbox-read-all"),
    path("preferences/", views.preferences, name="notification-preferences"),
]
