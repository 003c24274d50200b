from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """Staff accounts: the second factor, its enrolment, the roles (groups) and where both are enforced."""

    name = "hotline.web.staff"
    label = "staff"
    verbose_name = _("Staff accounts")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (lock-out counting, role groups after migrate)
