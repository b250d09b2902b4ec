"""URL map. Each included module declares, per view, who may see it."""

from django.contrib import admin
from django.urls import include, path

from clinic import views
from clinic.accounts import views as account_views

admin.site.site_header = "Clinic administration"
admin.site.site_title = "Clinic admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("me/", account_views.patient_home, name="patient_home"),
    path("no-role/", account_views.no_role, name="no_role"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("invitations/", include("clinic.accounts.invitation_urls")),
    path("intake/", include("screening.intake.urls")),
    path("review/", include("screening.review.urls")),
    path("", include("clinic.scheduling.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "clinic.views.server_error"
