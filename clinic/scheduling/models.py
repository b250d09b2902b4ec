"""Appointments, rooms, hours, follow-up plans, reminders."""
