from django.urls import path, re_path

from visits import api, api_rounds, ics_views, views, views_household, views_rounds

# ASCII digits that fit a row id (`\d` also takes other scripts' digits, unbounded).
BOOKING_ID = r"(?P<booking_id>[0-9]{1,18})"
BOOKING_ACTIONS = r"(?P<action>cancel|accept-offer|pass-offer|confirm|decline|check-in|no-show)"

api_urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("facilities/", api.FacilityListApi.as_view(), name="api-facilities"),
    path("sessions/", api.SessionListApi.as_view(), name="api-sessions"),
    path(
        "sessions/<id:session_id>/close/",
        api.SessionCloseApi.as_view(),
        name="api-session-close",
    ),
    path("household/", api.HouseholdApi.as_view(), name="api-household"),
    path("bookings/", api.BookingListCreateApi.as_view(), name="api-bookings"),
    re_path(rf"^bookings/{BOOKING_ID}/{BOOKING_ACTIONS}/$",
            api.BookingActionApi.as_view(), name="api-booking-action"),
    path("waitlist/", api.WaitlistJoinApi.as_view(), name="api-waitlist"),
    path("closures/", api.ClosureCreateApi.as_view(), name="api-closures"),
    path("roster/", api.RosterApi.as_view(), name="api-roster"),
    path("approvals/", api.ApprovalListApi.as_view(), name="api-approvals"),
    path("approvals/<id:approval_id>/decide/", api.ApprovalDecideApi.as_view(),
         name="api-approval-decide"),
    # Request rounds
    path("requests/", api_rounds.RequestListSubmitApi.as_view(), name="api-requests"),
    path("requests/<id:request_id>/", api_rounds.RequestDetailApi.as_view(),
         name="api-request"),
    path("requests/<id:request_id>/withdraw/", api_rounds.RequestWithdrawApi.as_view(),
         name="api-request-withdraw"),
    path("rounds/", api_rounds.RoundListApi.as_view(), name="api-rounds"),
    path("rounds/<id:round_id>/", api_rounds.RoundDetailApi.as_view(), name="api-round"),
    path("rounds/<id:round_id>/chances/", api_rounds.RoundChancesApi.as_view(),
         name="api-round-chances"),
    path("rounds/<id:round_id>/verify/", api_rounds.RoundVerifyApi.as_view(),
         name="api-round-verify"),
]

page_urlpatterns = [
    path("", views.home, name="home"),
    path("visit/", views.visit_residents, name="visit-residents"),
    path("visit/<id:resident_id>/", views.visit_sessions, name="visit-sessions"),
    path("visit/<id:resident_id>/<id:session_id>/", views.visit_confirm, name="visit-confirm"),
    path("bookings/", views.my_bookings, name="my-bookings"),
    path("family/", views_household.household, name="household"),
    path("family/<id:visitor_id>/", views_household.person_edit, name="person-edit"),
    path("family/<id:visitor_id>/remove/", views_household.person_remove, name="person-remove"),
    re_path(rf"^bookings/{BOOKING_ID}/(?P<action>cancel|accept-offer|pass-offer)/$",
            views.booking_action, name="booking-action"),
    path("roster/", views.roster, name="roster"),
    re_path(rf"^roster/{BOOKING_ID}/(?P<action>confirm|decline|check-in|no-show)/$",
            views.roster_action, name="roster-action"),
    path("roster/sessions/<id:session_id>/close/", views.session_close_view,
         name="session-close"),
    path("visit/<id:resident_id>/request/", views_rounds.request_form, name="request-form"),
    path("requests/", views_rounds.my_requests, name="my-requests"),
    path("requests/<id:request_id>/withdraw/", views_rounds.request_withdraw_view,
         name="request-withdraw"),
    path("roster/rounds/", views_rounds.rounds_list, name="rounds"),
    path("roster/rounds/<id:round_id>/", views_rounds.round_detail, name="round-detail"),
    path("roster/rounds/<id:round_id>/verify/", views_rounds.round_verify_view,
         name="round-verify"),
    path("bookings/<id:booking_id>/visit.ics", ics_views.booking_ics, name="booking-ics"),
    # No login: the secret token is the credential a calendar app sends.
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{20,64})\.ics$", ics_views.calendar_feed,
            name="calendar-feed"),
    re_path(r"^calendar/(?P<kind>caregiver|facility)/reset/$", ics_views.calendar_feed_reset,
            name="calendar-feed-reset"),
]
