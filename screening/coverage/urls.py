"""Prior-authorization pages, under a case: /review/<id>/prior-auth/... (in
the review namespace)."""

from django.urls import path

from screening.coverage import views

urlpatterns = [
    path("<int:policy_pk>/", views.prior_auth, name="prior_auth"),
    path("<int:policy_pk>/record/", views.record_save, name="prior_auth_record"),
    path("<int:policy_pk>/therapy/", views.therapy_add, name="prior_auth_therapy"),
    path("<int:policy_pk>/score/", views.score_add, name="prior_auth_score"),
    path("<int:policy_pk>/remove/", views.entry_remove, name="prior_auth_remove"),
    path("<int:policy_pk>/packet/", views.packet_create, name="packet_create"),
    path("<int:policy_pk>/packet.pdf", views.packet_pdf, name="packet_pdf"),
    path("<int:policy_pk>/authorization/", views.authorization_save, name="authorization_save"),
]
