from django.urls import path

from clinic.accounts import invitation_views as views

urlpatterns = [
    path("new/", views.invite, name="invitation_new"),
    path("patient/<int:pk>/send/", views.invite_patient, name="invitation_patient_send"),
    path("accept/<str:token>/", views.accept, name="invitation_accept"),
    path("resend/<str:token>/", views.resend, name="invitation_resend"),
]
