"""Site URLs: every public page under /km/ and /en/; the partner API and admin outside them."""

from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from hotline.web import health
from hotline.web.staff import views as staff_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("api/v1/", include("hotline.web.api.urls")),
    path("admin-2fa/", staff_views.second_factor, name="second-factor"),
    path("admin-2fa/enrol/<str:token>/", staff_views.enrol, name="staff-enrol"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
    path("report/", include("hotline.web.reports.urls")),
    path("protect/", include("hotline.web.hashlists.urls")),
    path("", include("hotline.web.staff.urls")),  # staff/accounts/…
    path("", include("hotline.web.cases.urls")),  # staff/… and statistics/
    path("", include("hotline.web.public.urls")),
    prefix_default_language=True,
)
