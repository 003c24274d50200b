from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "hotline.web.api"
    label = "api"
