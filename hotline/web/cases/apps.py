from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """The analysts' workspace: queue, analysis, duplicate links, actions, statistics, audit log."""

    name = "hotline.web.cases"
    label = "cases"
    verbose_name = _("Case work")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (links reports when they are created or edited)
