"""The policy engine: pure Python, no Django. Packs, calendars, clocks, classification, assess."""

from appealdesk.policy.assess import AssessError, assess
from appealdesk.policy.loader import PackError, PackRegistry, default_registry, load_pack_file

__all__ = [
    "AssessError",
    "PackError",
    "PackRegistry",
    "assess",
    "default_registry",
    "load_pack_file",
]
