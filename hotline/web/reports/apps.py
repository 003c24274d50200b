from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "hotline.web.reports"
    label = "reports"
