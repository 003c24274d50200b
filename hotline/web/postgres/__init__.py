"""Django's PostgreSQL backend, patient with a server that is restarting (see `base`)."""
