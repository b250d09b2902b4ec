#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - load the settings now, to report a bad value
    except ImproperlyConfigured as exc:
        # Django would carry on and fail later with an unrelated traceback.
        sys.exit(
            f"Configuration error: {exc}\n"
            "Set it in the environment (see .env.example); on a development "
            "machine DJANGO_DEBUG=1 is enough."
        )
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
