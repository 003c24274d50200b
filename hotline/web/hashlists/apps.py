from django.apps import AppConfig


class HashlistsConfig(AppConfig):
    name = "hotline.web.hashlists"
    label = "hashlists"
    verbose_name = "Hash lists"
    default_auto_field = "django.db.models.BigAutoField"
