"""``gunicorn imageapi.wsgi:application`` — configured from the environment."""

from imageapi.app import get_app

application = get_app()
