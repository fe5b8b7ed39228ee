"""API v1: the policy engine (`POST /assess`: nothing is stored) and the packs it reads."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from appealdesk.api.common import ERRORS, need
from appealdesk.api.problems import ApiProblem
from appealdesk.api.schemas import PackVersionOut
from appealdesk.policy import AssessError, assess, default_registry
from appealdesk.policy.contract import AssessRequest, AssessResult
from appealdesk.policy.quoting import quoted

router = Router()


@router.post(
    "/assess",
    response={200: AssessResult, **ERRORS},
    by_alias=True,
    tags=["assess"],
    summary="Assess a request (SPEC section 7); nothing is stored",
)
def assess_request(request: HttpRequest, body: AssessRequest) -> Any:
    need(request, "assess")
    try:
        return assess(body.model_dump(exclude_unset=True))
    except AssessError as exc:
        raise ApiProblem(
            422, "invalid_input", f"{exc.field}: {exc.message}", field=exc.field
        ) from None


@router.get("/packs", response={200: list[PackVersionOut], **ERRORS}, tags=["packs"])
def packs_list(request: HttpRequest) -> Any:
    registry = default_registry()
    today = timezone.localdate()
    out = []
    for name in registry.programs():
        current = registry.in_force(name, today)
        for loaded in registry.versions(name):
            pack = loaded.pack
            out.append(
                {
                    "program": pack.program,
                    "version": pack.version,
                    "name": pack.name,
                    "effective_from": pack.effective_from,
                    "time_zone": pack.time_zone,
                    "sha256": loaded.sha256,
                    "in_force": loaded is current,
                }
            )
    return out


@router.get("/packs/{program}/{version}", response={200: dict[str, Any], **ERRORS}, tags=["packs"])
def pack_show(request: HttpRequest, program: str, version: str) -> Any:
    """A pack version with every rule and the seed sentence it encodes."""
    registry = default_registry()
    if program not in registry.programs():
        raise ApiProblem(404, "not_found", f"no program {quoted(program)}")
    for loaded in registry.versions(program):
        if loaded.pack.version == version:
            return loaded.pack.model_dump(mode="json", by_alias=True)
    raise ApiProblem(404, "not_found", f"{program} has no version {quoted(version)}")
