"""The embedded database's engine: Django's SQLite backend with its writers serialised by one
file lock (`appealdesk.sqlite.base`)."""
