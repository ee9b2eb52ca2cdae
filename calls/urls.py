from django.urls import path

from calls import views

urlpatterns = [
    path("calls/now/", views.calls_now_page, name="calls-now"),
    path("calls/<id:booking_id>/", views.call_page, name="call"),
    path("calls/<id:booking_id>/end/", views.call_end, name="call-end"),
    path("station/", views.station_page, name="station"),
]
