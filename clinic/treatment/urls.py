from django.urls import path

from clinic.treatment import views

app_name = "treatment"
urlpatterns = [
    path("", views.sessions_today, name="today"),
    path("rems-due/", views.rems_due, name="rems_due"),
    path("mine/", views.my_sessions, name="mine"),
    path("start/<int:appointment_pk>/", views.session_start, name="start"),
    path("<int:pk>/", views.session_detail, name="session"),
    path("<int:pk>/vitals/", views.vitals_add, name="vitals_add"),
    path("<int:pk>/vitals/<int:vital_pk>/respond/", views.vital_respond, name="vital_respond"),
    path("<int:pk>/sign/", views.session_sign, name="sign"),
    path("<int:pk>/addenda/", views.addendum_add, name="addendum_add"),
    path("<int:pk>/rems-form/", views.rems_form, name="rems_form"),
    path("<int:pk>/rems-form.pdf", views.rems_form_pdf, name="rems_form_pdf"),
    path("<int:pk>/rems-form/submit/", views.rems_submit, name="rems_submit"),
]
