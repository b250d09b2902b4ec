"""URL map. Each included module declares, per view, who may see it."""

from django.contrib import admin
from django.urls import include, path

from clinic import views
from clinic.accounts import views as account_views
from clinic.privacy import views as privacy_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("me/", account_views.patient_home, name="patient_home"),
    path("me/data/", privacy_views.my_data_page, name="my_data"),
    path("me/data.json", privacy_views.my_data_json, name="my_data_json"),
    path("no-role/", account_views.no_role, name="no_role"),
    path("session/keepalive/", account_views.session_keepalive, name="session_keepalive"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("invitations/", include("clinic.accounts.invitation_urls")),
    path("intake/", include("screening.intake.urls")),
    path("review/", include("screening.review.urls")),
    path("outcomes/", include("screening.outcomes.urls")),
    path("", include("clinic.scheduling.urls")),
    path("sessions/", include("clinic.treatment.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "clinic.views.server_error"
