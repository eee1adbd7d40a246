from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Lets the project package carry translations, templates and static files like an app."""

    name = "config"
    label = "panah_config"
