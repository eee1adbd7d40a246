#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # manage.py is the developer's and the demo's tool; wsgi.py/asgi.py default to production.
    # A deployment sets PANAH_ENV=production explicitly for its commands too (see README).
    os.environ.setdefault("PANAH_ENV", "demo")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
