"""The reports app registers nothing in the admin: reports are shown (metadata and status only) by the
case-work app's admin, so that a status set there writes the status record and the audit entry."""
