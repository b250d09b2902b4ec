"""Named state changes of the schedule, one module per job:

- `rules`: what every booking and move must pass (no double booking, working
  hours or a recorded override, the resources a type needs) and the errors;
- `booking`: book, the one move step (`move_step`), move, cancel, status
  changes, reminders;
- `courses`: propose, book and edit a treatment course (its moves go through
  `booking.move_step`);
- `change_requests`: a patient's cancel or reschedule request, decided by staff
  (an approved reschedule moves through `booking.move_step`);
- `checkins`: follow-up PHQ-9 check-ins and their crisis answers;
- `calendar_feeds`: clinicians' private calendar feeds.

Every change goes through the same rules:

- no clinician, room or patient in two live appointments at once (checked
  under a lock on the resources, and by exclusion constraints on PostgreSQL;
  a constraint violation is turned into the same message);
- a booking outside the clinician's working hours or in their time off needs
  an override reason, which is recorded on the appointment;
- reminders follow the appointment: planned at booking, superseded when it
  moves (and planned again for the new time) or is cancelled.
"""
