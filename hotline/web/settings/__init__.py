"""Settings: `common` (shared, no secrets), `local` (embedded default), `prod` (refuses to start
without its secrets), `test` (pytest)."""
