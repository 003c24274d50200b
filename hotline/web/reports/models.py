"""Reports, their links, evidence files and status history.

Evidence content never sits in the database in clear: files live encrypted on disk and the analysis
(which quotes messages) is stored encrypted; every free-text field about a person (description,
offender, contact, links, notes) is an `EncryptedTextField`. No field holds an IP address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _

from hotline.web.encryptedfields import EncryptedTextField

from . import nationality


class Category(models.TextChoices):
    CSAM = "csam", _("Child sexual abuse material (including live-streamed or self-generated)")
    GROOMING = "grooming", _("Online grooming")
    SEXTORTION = "sextortion", _("Sextortion (threats to share sexual images)")
    SEXTING = "sexting", _("Sexting or sharing intimate images without consent")
    CHILD_SOLICITATION = "child_solicitation", _("Trying to buy or solicit a child")
    SEXUAL_CYBERBULLYING = "sexual_cyberbullying", _("Sexual cyberbullying")
    OTHER = "other", _("Something else")


class Platform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    MESSENGER = "messenger", "Messenger"
    INSTAGRAM = "instagram", "Instagram"
    TIKTOK = "tiktok", "TikTok"
    LINE = "line", "LINE"
    WHATSAPP = "whatsapp", "WhatsApp"
    TELEGRAM = "telegram", "Telegram"
    BIGO_LIVE = "bigo_live", "Bigo Live"
    MOEW_CHAT = "moew_chat", "Moew Chat"
    SNAPCHAT = "snapchat", "Snapchat"
    WEBSITE = "website", _("A website")
    EMAIL = "email", _("Email")
    CHAT_ROOM = "chat_room", _("A chat room")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    UNDER_13 = "under_13", _("Under 13")
    AGE_13_15 = "13_15", _("13 to 15")
    AGE_16_17 = "16_17", _("16 to 17")
    ADULT = "adult", _("18 or older")
    UNKNOWN = "unknown", _("I don't know")


class ReporterType(models.TextChoices):
    SELF = "self", _("It happened to me")
    ON_BEHALF = "on_behalf", _("I am reporting for someone else")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("Being reviewed")
    ASSESSED = "assessed", _("Assessed")
    FORWARDED = "forwarded", _("Forwarded to the police or the platform")
    REMOVED = "removed", _("Content removed")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn by the reporter")


class Risk(models.TextChoices):
    """The engine's risk levels, in rising order; `RISK_RANK` turns one into a sortable priority."""

    NONE = "none", _("None found")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


RISK_RANK: dict[str, int] = {value: rank for rank, value in enumerate(Risk.values)}

#: Why an analysis failed, in words for the reporter and the analyst (the stored code is the key).
ANALYSIS_ERRORS: dict[str, Any] = {
    "unreadable_export": _("The file is not a chat export we can read. An analyst will look at it."),
    "analysis_error": _("The automatic analysis failed. An analyst will look at it."),
    "file_unreadable": _("The stored file could not be read."),
}


class Report(models.Model):
    """One anonymous report. Found again only by its tracking code plus the PIN (stored hashed)."""

    tracking_code = models.CharField(max_length=8, unique=True)
    pin_hash = models.CharField(max_length=256)
    category = models.CharField(max_length=32, choices=Category.choices)
    platform = models.CharField(max_length=32, choices=Platform.choices)
    description = EncryptedTextField(blank=True, max_length=10_000)
    victim_age_band = models.CharField(max_length=16, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    reporter_type = models.CharField(max_length=16, choices=ReporterType.choices, default=ReporterType.SELF)
    offender_name = EncryptedTextField(max_length=200, blank=True)
    offender_profile_url = EncryptedTextField(max_length=2000, blank=True, url=True)
    offender_claimed_age = models.PositiveSmallIntegerField(null=True, blank=True)
    #: An ISO 3166-1 alpha-2 code, "unknown" or "other" (never free text: it reaches the statistics);
    #: blank counts as unknown.
    offender_nationality = models.CharField(max_length=nationality.MAX_LENGTH, default=nationality.UNKNOWN,
                                            blank=True, validators=[nationality.validate])
    contact = EncryptedTextField(max_length=200, blank=True)
    language = models.CharField(max_length=8, default="km")
    source = models.CharField(max_length=16, default="web")  # "web", "api", "demo"
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    risk = models.CharField(max_length=16, choices=Risk.choices, default=Risk.NONE)
    #: Higher first in the analysts' queue: the larger of the category's baseline and the evidence's risk.
    priority = models.PositiveSmallIntegerField(default=0)
    #: The priority linked high-risk reports lend this one (written by the case-work app only, so that
    #: neither app overwrites the other's number); the queue orders by `queue_priority`, the larger.
    linked_priority = models.PositiveSmallIntegerField(default=0)
    #: Computed by the database and indexed (only over open reports), so that the first page of the
    #: queue is read from the index in order instead of sorting every open report.
    queue_priority = models.GeneratedField(expression=Greatest("priority", "linked_priority"),
                                           output_field=models.PositiveSmallIntegerField(), db_persist=True)
    #: Wrong PINs given for this code in a row; at the limit the code is locked until `pin_locked_until`
    #: (and answers exactly as an unknown code does).
    pin_failures = models.PositiveSmallIntegerField(default=0)
    pin_locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-priority", "created_at")
        indexes = (
            models.Index(fields=["-priority", "created_at"], name="report_queue"),
            # The queue's order over open reports (the statuses of cases.services.OPEN_STATUSES).
            models.Index(fields=["-queue_priority", "created_at", "id"], name="report_open_queue",
                         condition=models.Q(status__in=("received", "in_review", "assessed", "forwarded"))),
            # A queue filtered by crime or by platform: its page in order, and its total, from open
            # reports' entries alone.
            models.Index(fields=["category", "-queue_priority", "created_at", "id", "platform", "risk"],
                         name="report_open_category",
                         condition=models.Q(status__in=("received", "in_review", "assessed", "forwarded"))),
            models.Index(fields=["platform", "-queue_priority", "created_at", "id", "category", "risk"],
                         name="report_open_platform",
                         condition=models.Q(status__in=("received", "in_review", "assessed", "forwarded"))),
            # Reports by status and risk (a queue filtered by risk counts its total here).
            models.Index(fields=["status", "risk"], name="report_status_risk"),
            # Date ranges of the queue and the statistics.
            models.Index(fields=["created_at"], name="report_created"),
        )

    def __str__(self) -> str:
        return f"{self.tracking_code} ({self.category})"

    def clean_fields(self, exclude: Any = None) -> None:
        self.offender_nationality = nationality.from_text(self.offender_nationality)
        super().clean_fields(exclude)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Nationality as a code whatever the caller passed (typed text becomes "other", never kept)."""
        self.offender_nationality = nationality.from_text(self.offender_nationality)
        super().save(*args, **kwargs)


class ReportURL(models.Model):
    """A link the reporter gave; kept one per row so that analysts can find duplicates by URL."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="urls")
    #: Encrypted at rest; duplicates are found through the case-work app's keyed hashes, not by this.
    url = EncryptedTextField(max_length=2000, url=True)

    def __str__(self) -> str:
        return self.url


class Evidence(models.Model):
    """One uploaded file: encrypted on disk; only its sniffed type, size and hash are in clear."""

    class Kind(models.TextChoices):
        CHAT = "chat", _("Chat export")
        SCREENSHOT = "screenshot", _("Screenshot")

    class Analysis(models.TextChoices):
        PENDING = "pending", _("Waiting to be analysed")
        DONE = "done", _("Analysed")
        FAILED = "failed", _("Could not be analysed")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    content_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    #: File name inside HOTLINE_EVIDENCE_DIR (random, says nothing about the content).
    storage_name = models.CharField(max_length=64, unique=True)
    #: The reporter's file name, encrypted (names like "Chat with X.txt" identify people).
    name_encrypted = models.BinaryField(default=b"")
    analysis_status = models.CharField(max_length=16, choices=Analysis.choices, default=Analysis.PENDING)
    #: Why the analysis failed, in words safe to show (the engine's input message is kept encrypted).
    analysis_error = models.CharField(max_length=64, blank=True)
    #: JSON {"analysis": ..., "hash_matches": ..., "error": ...}, encrypted: it quotes messages.
    analysis_encrypted = models.BinaryField(null=True, blank=True)
    risk = models.CharField(max_length=16, choices=Risk.choices, blank=True)
    hash_matches = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When retention deleted the file, its name and its analysis (the type, size and hashes stay).
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.kind} {self.content_type} {self.size} B"

    @property
    def analysis_error_label(self) -> str:
        return str(ANALYSIS_ERRORS.get(self.analysis_error, "")) if self.analysis_error else ""


class StatusChange(models.Model):
    """The report's history, shown to the reporter on the status page."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=16, choices=Status.choices)
    #: A note for the reporter (analysts write it knowing the reporter will read it).
    public_note = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        # "Reports that reached status X" (statistics) without reading every change.
        indexes = (models.Index(fields=["status", "report"], name="statuschange_status_report"),)

    def __str__(self) -> str:
        return f"{self.report_id}: {self.status}"


class ReporterNote(models.Model):
    """Information the reporter added later from the status page."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="notes")
    text = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"note on {self.report_id}"


class Verdict(models.Model):
    """An analyst's mark on an evidence's analysis: its risk, or one finding, right or wrong. Marking
    again replaces. What `hotline export-labels` turns into labelled conversations; no content is held
    here (the signal, rule and message index name what was marked)."""

    class Target(models.TextChoices):
        RISK = "risk", _("Risk")
        FINDING = "finding", _("Finding")

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="verdicts")
    target = models.CharField(max_length=8, choices=Target.choices)
    #: The finding's position in the stored analysis's findings (0 for the risk).
    position = models.PositiveIntegerField(default=0)
    #: What the engine said: a finding's signal, rule and message; the risk's level.
    signal = models.CharField(max_length=32, blank=True)
    rule = models.CharField(max_length=200, blank=True)
    message_index = models.PositiveIntegerField(null=True, blank=True)
    engine_risk = models.CharField(max_length=16, choices=Risk.choices, blank=True)
    correct = models.BooleanField()
    #: The analyst's risk level (risk verdicts only): the engine's when right.
    risk = models.CharField(max_length=16, choices=Risk.choices, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("evidence", "target", "position")
        constraints = (models.UniqueConstraint(fields=("evidence", "target", "position"), name="verdict_one_mark"),)

    def __str__(self) -> str:
        return f"{self.evidence_id} {self.target} {self.position}: {'right' if self.correct else 'wrong'}"
