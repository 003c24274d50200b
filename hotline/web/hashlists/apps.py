from django.apps import AppConfig


class HashlistsConfig(AppConfig):
    name = "hotline.web.hashlists"
    label = "hashlists"
