"""Running appealdesk on several machines (docs/deploy.md): health and readiness, Prometheus
metrics, JSON logs with a request id, backup and restore, and the check of stored files.

A floor of its own between the surfaces and the features: it reads what the features keep (the
task queue, the sweep, the clocks, the mailroom) and the CLI and the URLs use it.
"""
