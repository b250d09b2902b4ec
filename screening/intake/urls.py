from django.urls import path

from screening.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.intake_start, name="start"),
]
