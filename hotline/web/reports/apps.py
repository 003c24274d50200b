from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "hotline.web.reports"
    label = "reports"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the engine-data system check)
