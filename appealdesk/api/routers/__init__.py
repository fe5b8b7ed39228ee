"""API v1 by resource: one ninja `Router` per module, assembled by `appealdesk.api.v1`. A
router imports what they all share from `appealdesk.api.common`, never another router
(an import-linter contract in pyproject.toml)."""
