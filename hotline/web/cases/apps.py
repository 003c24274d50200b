from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """The analysts' workspace: queue, analysis, duplicate links, actions, statistics, audit log."""

    name = "hotline.web.cases"
    label = "cases"
    verbose_name = _("Case work")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_migrate

        from . import queue_tally, signals  # noqa: F401  (signals: links reports when they are created or edited)

        pre_migrate.connect(queue_tally.removed, sender=self, dispatch_uid="cases.queue_tally_off")
        post_migrate.connect(queue_tally.installed, sender=self, dispatch_uid="cases.queue_tally")
