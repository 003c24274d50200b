from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "hotline.web.public"
    label = "public"
