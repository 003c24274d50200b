"""What the hash lists tell the apps above them, without importing them (they connect receivers in `ready`).

    partner_query(key_name, hashes, matched, entries)
        sent after a partner's API query was matched against the lists: the API key's name, how many
        hashes were asked about and how many matched, and the ids of our entries that matched. The
        partner's hashes themselves are not in it: nothing keeps them (see the README's partner API).
"""

from __future__ import annotations

from django.dispatch import Signal

partner_query = Signal()
