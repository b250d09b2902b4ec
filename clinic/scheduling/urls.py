from django.urls import path

from clinic.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("appointments/", views.my_appointments, name="appointments"),
]
