"""The bridge between stored cases and the policy engine: pack snapshots and their programs."""

from __future__ import annotations

from pathlib import Path

from appealdesk.cases.models import PackSnapshot
from appealdesk.policy.assess import Program, program_for
from appealdesk.policy.loader import LoadedPack, PackRegistry, default_registry, load_pack_text

_snapshot_ids: dict[str, int] = {}
_by_id: dict[int, Program] = {}


def snapshot_for(loaded: LoadedPack) -> PackSnapshot:
    """The stored copy of a pack version (created the first time a case uses it)."""
    known = _snapshot_ids.get(loaded.sha256)
    if known is not None:
        return PackSnapshot(
            id=known,
            sha256=loaded.sha256,
            program=loaded.pack.program,
            version=loaded.pack.version,
            effective_from=loaded.pack.effective_from,
        )
    snapshot, _ = PackSnapshot.objects.get_or_create(
        sha256=loaded.sha256,
        defaults={
            "program": loaded.pack.program,
            "version": loaded.pack.version,
            "effective_from": loaded.pack.effective_from,
            "text": loaded.text,
        },
    )
    _snapshot_ids[loaded.sha256] = snapshot.id
    return snapshot


def forget() -> None:
    """Tests that roll back the database call this so no stale snapshot id is reused."""
    _snapshot_ids.clear()
    _by_id.clear()


def program_of(pack_id: int) -> Program:
    """The program a case was assessed under: the exact stored text, never today's file."""
    found = _by_id.get(pack_id)
    if found is not None:
        return found
    snapshot = PackSnapshot.objects.get(pk=pack_id)
    registry = default_registry()
    for name in registry.programs():
        for loaded in registry.versions(name):
            if loaded.sha256 == snapshot.sha256:
                found = program_for(loaded)
    if found is None:
        loaded = load_pack_text(snapshot.text, Path(f"{snapshot.program}-{snapshot.version}.yaml"))
        found = program_for(loaded)
    _by_id[pack_id] = found
    return found


def registry_of(pack_id: int) -> PackRegistry:
    """A registry of the one pack version a case was assessed under: assessing the case again
    (a reclassification) keeps its rules and its calendar, whatever versions came since."""
    return PackRegistry([program_of(pack_id).loaded])
