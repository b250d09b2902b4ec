from django.urls import path

from screening.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.outcomes, name="outcomes"),
    path("report/", views.report, name="report"),
    path("export.csv", views.export_csv, name="export"),
    path("courses/<int:pk>/", views.course, name="course"),
    path("courses/<int:pk>/scores/", views.course_record, name="record"),
    path(
        "courses/<int:pk>/scores/<int:measurement>/", views.measurement_correct_view, name="correct"
    ),
    path("check-in/<str:token>/", views.checkin, name="checkin"),
]
