"""The admin, with the clinic's own site (clinic.admin_site)."""

from django.contrib.admin.apps import AdminConfig


class ClinicAdminConfig(AdminConfig):
    default_site = "clinic.admin_site.ClinicAdminSite"
