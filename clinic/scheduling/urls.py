from django.urls import path

from clinic.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/book/", views.book, name="book"),
    path("schedule/patients/", views.patient_search, name="patient_search"),
    path("schedule/types.css", views.type_styles, name="type_styles"),
    path("schedule/slots/", views.free_slots, name="slots"),
    path("schedule/course/", views.course, name="course"),
    path("schedule/attention/", views.attention, name="attention"),
    path("schedule/feed/", views.feed_manage, name="feed_manage"),
    path("schedule/appointment/<int:pk>/", views.appointment_detail, name="appointment"),
    path("schedule/appointment/<int:pk>/move/", views.appointment_move_view, name="move"),
    path("schedule/appointment/<int:pk>/cancel/", views.appointment_cancel_view, name="cancel"),
    path("schedule/appointment/<int:pk>/status/", views.appointment_status_view, name="status"),
    path("schedule/requests/<int:pk>/", views.change_request_decide_view, name="request_decide"),
    path("appointments/", views.my_appointments, name="appointments"),
    path("appointments/calendar.ics", views.my_calendar_ics, name="calendar_ics"),
    path("appointments/calendar/", views.my_calendar_feed, name="calendar_link"),
    path("appointments/feed/<str:token>.ics", views.patient_calendar_feed, name="patient_feed"),
    path("appointments/<int:pk>/ics/", views.my_appointment_ics, name="appointment_ics"),
    path("appointments/<int:pk>/request/", views.my_change_request, name="change_request"),
    path("check-in/<str:token>/", views.checkin, name="checkin"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="feed"),
]
