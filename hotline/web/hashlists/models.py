"""Hash lists kept by the hotline: banks of PDQ hashes (imported from partners, or the hashes of
assessed evidence) and the "do not share" list that young people add to from the protect page."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.detect.media.hashes import PdqHash
from hotline.detect.media.hashlist import MAX_THRESHOLD

pdq_validator = RegexValidator(r"^[0-9a-f]{64}$", _("A PDQ hash is 64 lower-case hexadecimal digits."))
md5_validator = RegexValidator(r"^[0-9a-f]{32}$", _("An MD5 hash is 32 lower-case hexadecimal digits."))


class HashList(models.Model):
    class Kind(models.TextChoices):
        BANK = "bank", _("Hash bank")
        DO_NOT_SHARE = "do_not_share", _("Do not share (self-protection)")

    name = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.BANK)
    source = models.CharField(max_length=200, blank=True)
    threshold = models.PositiveSmallIntegerField(
        default=PdqHash.MATCH_THRESHOLD, validators=[MaxValueValidator(MAX_THRESHOLD)],
        help_text=_("A match is a Hamming distance at most this many bits."),
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class HashEntry(models.Model):
    """One PDQ hash. Self-protection entries carry a case number and a hashed PIN to withdraw them;
    nothing else about the person who added them is stored (no photo, no name, no address)."""

    hash_list = models.ForeignKey(HashList, on_delete=models.CASCADE, related_name="entries")
    pdq = models.CharField(max_length=64, validators=[pdq_validator], db_index=True)
    quality = models.PositiveSmallIntegerField(null=True, blank=True)
    #: The file's MD5 when known (images the hotline hashed itself), for partners' exact queries.
    md5 = models.CharField(max_length=32, blank=True, validators=[md5_validator], db_index=True)
    label = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=200, blank=True)
    #: What the hash came from, for linking matches (e.g. a report's tracking code).
    reference = models.CharField(max_length=64, blank=True)
    case_number = models.CharField(max_length=16, unique=True, null=True, blank=True)
    pin_hash = models.CharField(max_length=128, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    added = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        verbose_name_plural = "hash entries"

    def __str__(self) -> str:
        return f"{self.hash_list.name}: {self.pdq[:12]}…"
