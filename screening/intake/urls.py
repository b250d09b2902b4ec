from django.urls import path

from screening.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.intake_start, name="start"),
    path("review/", views.intake_review, name="review"),
    path("update/", views.intake_update, name="update"),
    path("<int:pk>/", views.intake_detail, name="detail"),
    path("<int:pk>/submitted/", views.intake_done, name="done"),
    path("step/<slug:key>/", views.intake_step, name="step"),
]
