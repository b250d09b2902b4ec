from django.urls import include, path

from screening.review import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("to-book/", views.to_book, name="to_book"),
    path("<int:pk>/", views.case, name="case"),
    path("<int:pk>/summary/", views.summary, name="summary"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/flags/<int:flag_pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/notes/", views.add_note, name="add_note"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/prior-auth/", include("screening.coverage.urls")),
]
