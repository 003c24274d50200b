"""Case work on reports: who works a report, how reports are linked, what was done, and who looked at
which evidence (the audit log). No model here holds evidence content: the audit log records the action
and the evidence's id, never what it showed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.web.encryptedfields import EncryptedTextField
from hotline.web.reports.models import Evidence, Report

#: Permissions (on Case): analysts work cases; supervisors also assign and publish statistics.
WORK = "cases.work_cases"
SUPERVISE = "cases.supervise_cases"


class Case(models.Model):
    """Case-work state of one report (created when first needed): the analyst working it (one at a time;
    a supervisor assigns, an analyst may take an unassigned one) and the priority its linked reports lend
    it. Kept apart from `Report.priority`, which the reports app recomputes from the report's own
    evidence, so that neither overwrites the other; the queue orders by the larger."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="case")
    analyst = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    #: The highest risk rank (RISK_RANK) among linked reports, when that is high or critical; else 0.
    linked_priority = models.PositiveSmallIntegerField(default=0)
    #: Kept whole (evidence and contact) past the retention period, e.g. while the police investigate.
    legal_hold = models.BooleanField(default=False)

    class Meta:
        # "Not assigned" above the queue reads the analyst beside the report id, without the case row.
        indexes = (models.Index(fields=["report", "analyst"], name="case_report_analyst"),)
        permissions = (
            ("work_cases", "Can work the analysts' queue and see evidence"),
            ("supervise_cases", "Can assign reports and publish statistics"),
        )

    def __str__(self) -> str:
        return f"case of report {self.report_id}"


class LinkKey(models.Model):
    """A keyed hash ("<key id>$<hex>") of a normalised link, account name or phone number of a report,
    indexed so that duplicates are found by lookup without the index holding any of them readable.
    `source` says where it came from: a reported link ("url"), the offender's profile link ("profile"),
    the offender's account name on a platform ("name") or phone number ("phone")."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=400, db_index=True)
    source = models.CharField(max_length=8)

    class Meta:
        constraints = (models.UniqueConstraint(fields=["report", "key", "source"], name="linkkey_unique"),)

    def __str__(self) -> str:
        return f"{self.report_id}: {self.source}"


class LinkReason(models.TextChoices):
    SAME_URL = "same_url", _("Same link")
    SAME_ACCOUNT = "same_account", _("Same offender account")
    SAME_IMAGE = "same_image", _("Same or similar image")
    MANUAL = "manual", _("Linked by an analyst")


class ReportLink(models.Model):
    """Two reports about the same thing. Stored once per pair and reason with `report` the older one
    (lower id); shown on both. Unlinking keeps the row inactive so automatic linking does not bring
    it back."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=LinkReason.choices)
    #: What matched (a normalised link or account, or an image distance in bits); encrypted at rest.
    detail = EncryptedTextField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = (
            models.UniqueConstraint(fields=["report", "other", "reason"], name="reportlink_unique"),
            models.CheckConstraint(condition=models.Q(report__lt=models.F("other")), name="reportlink_ordered"),
        )

    def __str__(self) -> str:
        return f"{self.report_id} ~ {self.other_id} ({self.reason})"


class EvidenceImageHash(models.Model):
    """The PDQ hash of an evidence image (a screenshot, or a picture inside a chat export), so that
    later evidence can be matched against earlier reports' images."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="image_hashes")
    pdq = models.CharField(max_length=64, db_index=True)
    quality = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints = (models.UniqueConstraint(fields=["evidence", "pdq"], name="evidenceimagehash_unique"),)

    def __str__(self) -> str:
        return f"{self.evidence_id}: {self.pdq[:12]}…"


class AuditEvent(models.Model):
    """Who did what to which evidence or report, and when. `detail` never holds evidence content."""

    class Action(models.TextChoices):
        VIEW_IMAGE_BLURRED = "view_image_blurred", _("Viewed an image, blurred")
        REVEAL_IMAGE = "reveal_image", _("Revealed an image")
        VIEW_IMAGE = "view_image", _("Viewed an image, revealed")
        SHOW_CHAT = "show_chat", _("Showed a whole chat")
        VIEW_ANALYSIS = "view_analysis", _("Opened a report's analysis")
        HASH_TO_LIST = "hash_to_list", _("Added an image's hash to a hash list")
        STATUS = "status", _("Changed the status")
        ASSIGN = "assign", _("Assigned the report")
        FORWARD = "forward", _("Recorded forwarding")
        REMOVAL = "removal", _("Recorded removal")
        LINK = "link", _("Linked reports")
        UNLINK = "unlink", _("Unlinked reports")
        PUBLISH_STATS = "publish_stats", _("Published statistics")
        LEGAL_HOLD = "legal_hold", _("Set or lifted a legal hold")
        RETENTION = "retention", _("Deleted evidence and contact after the retention period")
        EXPORT_LABELS = "export_labels", _("Exported analysts' verdicts as labelled conversations")
        PARTNER_HASH_QUERY = "partner_hash_query", _("A partner's hashes were matched against the hash lists")
        DOWNLOAD_PACKAGE = "download_package", _("Downloaded a forwarding package")

    #: None for what the hotline did by itself (retention).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    action = models.CharField(max_length=32, choices=Action.choices)
    report = models.ForeignKey(Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    evidence = models.ForeignKey(Evidence, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-at", "-id")
        # The audit page filters by action or user, newest first.
        indexes = (models.Index(fields=["action", "-at"], name="auditevent_action_at"),
                   models.Index(fields=["user", "-at"], name="auditevent_user_at"))

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action}"


class Forwarding(models.Model):
    """The report was passed on: to whom, under which reference, on which day, classified how (the
    package the receiver gets is built from this row and the report: see `packages`)."""

    class Recipient(models.TextChoices):
        POLICE = "police", _("Police")
        PLATFORM = "platform", _("The platform")
        HOTLINE = "hotline", _("Another hotline")
        NGO = "ngo", _("An NGO")

    class Classification(models.TextChoices):
        """The analyst's legal assessment, in the three classes hotlines exchange."""

        BASELINE = "baseline", _("Illegal everywhere (international baseline)")
        NATIONAL = "national", _("Illegal under national law")
        NOT_ILLEGAL = "not_illegal", _("Not illegal")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="forwardings")
    recipient = models.CharField(max_length=16, choices=Recipient.choices)
    recipient_name = EncryptedTextField(max_length=200, blank=True)
    reference = EncryptedTextField(max_length=200, blank=True)
    forwarded_on = models.DateField()
    #: Blank on forwardings recorded before packages existed.
    classification = models.CharField(max_length=16, choices=Classification.choices, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("forwarded_on", "id")

    def __str__(self) -> str:
        return f"{self.report_id} → {self.recipient}"


class Removal(models.Model):
    """Content the report pointed at was taken down: which link, on which day."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="removals")
    url = EncryptedTextField(max_length=2000, url=True)
    removed_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("removed_on", "id")

    def __str__(self) -> str:
        return f"{self.report_id}: removed {self.removed_on}"


class PublishedStatistics(models.Model):
    """A snapshot of aggregated numbers a supervisor chose to publish; the public page shows the latest."""

    data = models.JSONField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-published_at", "-id")
        verbose_name_plural = "published statistics"

    def __str__(self) -> str:
        return f"statistics of {self.published_at:%Y-%m-%d}"
