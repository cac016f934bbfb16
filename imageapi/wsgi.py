"""``imageapi.wsgi:application`` for any WSGI server; settings from the environment."""

from imageapi.app import get_app

application = get_app()
