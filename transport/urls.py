from django.urls import path, re_path

from transport import api, views, views_staff

api_urlpatterns = [
    path("rides/", api.RideRequestListCreateApi.as_view(), name="api-rides"),
    path("rides/<id:request_id>/cancel/", api.RideRequestCancelApi.as_view(),
         name="api-ride-cancel"),
    path("rides/<id:request_id>/pin/", api.RideRequestPinApi.as_view(), name="api-ride-pin"),
    path("rides/board/", api.BoardApi.as_view(), name="api-ride-board"),
    path("rides/plan/", api.PlanStartApi.as_view(), name="api-ride-plan"),
    path("rides/plan/<id:run_id>/", api.PlanRunApi.as_view(), name="api-ride-plan-run"),
    path("trips/", api.DriverTripsApi.as_view(), name="api-trips"),
    path("stops/<id:stop_id>/status/", api.StopStatusApi.as_view(), name="api-stop-status"),
]

page_urlpatterns = [
    path("rides/board/", views.board, name="ride-board"),
    path("rides/export.csv", views.rides_csv, name="rides-csv"),
    path("rides/board/plan/", views.plan_start, name="ride-plan"),
    path("rides/requests/<id:request_id>/pin/", views.ride_pin, name="ride-pin"),
    path("rides/requests/<id:request_id>/unpin/", views.ride_unpin, name="ride-unpin"),
    path("rides/requests/<id:request_id>/cancel/", views.ride_cancel, name="ride-cancel"),
    path("rides/driver/", views.driver_day, name="ride-driver"),
    re_path(r"^rides/stops/(?P<stop_id>[0-9]{1,18})/"
            r"(?P<status>picked_up|dropped_off)/$",
            views.stop_mark, name="ride-stop-mark"),
    path("rides/calendar/reset/", views.driver_feed_reset, name="ride-calendar-reset"),
    # No login: the secret token is the credential a calendar app sends.
    re_path(r"^rides/calendar/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$", views.driver_feed,
            name="ride-calendar-feed"),
    path("rides/bookings/<id:booking_id>/", views.ride_for_booking, name="ride-for-booking"),
    path("rides/staff/", views_staff.program_staff, name="program-staff"),
    path("rides/staff/facilities/", views_staff.program_facilities,
         name="program-facilities"),
    path("rides/staff/invitations/<id:invitation_id>/cancel/",
         views_staff.program_invitation_cancel, name="program-invitation-cancel"),
    path("rides/staff/coordinators/<id:coordinator_id>/remove/",
         views_staff.coordinator_remove, name="program-coordinator-remove"),
    path("rides/staff/drivers/<id:driver_id>/remove/", views_staff.driver_remove,
         name="program-driver-remove"),
    path("rides/vehicles/", views_staff.vehicles, name="vehicles"),
    path("rides/drivers/", views_staff.drivers, name="drivers"),
    path("rides/drivers/<id:driver_id>/vehicles/", views_staff.driver_vehicles,
         name="driver-vehicles"),
    path("rides/points/", views_staff.pickup_points, name="pickup-points"),
    path("rides/points/<id:point_id>/active/", views_staff.pickup_point_active,
         name="pickup-point-active"),
    path("rides/availability/", views_staff.availability, name="driver-availability"),
    path("rides/availability/<id:window_id>/remove/", views_staff.availability_remove,
         name="driver-availability-remove"),
]
