from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from calls.urls import urlpatterns as calls_pages
from notifications import views as notification_views
from notifications.urls import api_urlpatterns as notifications_api
from notifications.urls import page_urlpatterns as notifications_pages
from scheduler import account_views, staff_views
from scheduler.views import accessibility, contact, home, privacy
from transport.fund.urls import api_urlpatterns as fund_api
from transport.fund.urls import page_urlpatterns as fund_pages
from transport.urls import api_urlpatterns as transport_api
from transport.urls import page_urlpatterns as transport_pages
from visits.urls import api_urlpatterns as visits_api
from visits.urls import page_urlpatterns as visits_pages

# Unknown addresses under /api/ answer JSON: scheduler.middleware.ApiJsonMiddleware rewrites
# Django's error pages there; pages get our own (scheduler.error_pages).
urlpatterns = [
    path("", home, name="home"),
    path("accessibility/", accessibility, name="accessibility"),
    path("privacy/", privacy, name="privacy"),
    path("contact/", contact, name="contact"),
    path("admin/", admin.site.urls),
    # The menu's language choice, also saved for a signed-in person (notifications).
    path("i18n/setlang/", notification_views.language_set, name="set_language"),
    # The addresses the rest of the app (and people's bookmarks) know, served by allauth.
    path("login/", allauth_views.LoginView.as_view(), name="login"),
    path("logout/", allauth_views.LogoutView.as_view(), name="logout"),
    path("accounts/sign-out-everywhere/", account_views.sign_out_everywhere,
         name="sign-out-everywhere"),
    path("accounts/", include("allauth.urls")),
    # A staff invitation's link: no login, the secret token is the credential.
    re_path(r"^invitations/(?P<token>[A-Za-z0-9_-]{20,64})/$", staff_views.invitation,
            name="staff-invitation"),
    path("my-data/", account_views.my_data, name="my-data"),
    path("my-data/download/", account_views.my_data_download, name="my-data-download"),
    path("my-data/delete/", account_views.my_account_delete, name="my-account-delete"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
         name="api-docs"),
    path("api/v1/", include(visits_api)),
    path("api/v1/", include(notifications_api)),
    path("api/v1/", include(transport_api)),
    path("api/v1/", include(fund_api)),
    path("", include(fund_pages)),
    path("", include(visits_pages)),
    path("", include(transport_pages)),
    path("", include(notifications_pages)),
    path("", include(calls_pages)),
]

# Errors outside views (e.g. the session middleware cannot reach the database).
handler500 = "scheduler.unavailable.server_error"
handler400 = "scheduler.error_pages.bad_request"
handler403 = "scheduler.error_pages.permission_denied"
handler404 = "scheduler.error_pages.not_found"
