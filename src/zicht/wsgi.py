"""WSGI entry point for gunicorn (``zicht.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zicht.settings")
application = get_wsgi_application()
