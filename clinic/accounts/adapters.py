"""django-allauth hooks: no open sign-up (patients come by invitation,
staff are created in the admin)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class ClinicAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
