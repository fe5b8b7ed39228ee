"""Sign-in benchmark (issues 22.5, 24.5): the server time of a desk and a portal sign-in (the
password POST, through Django's test client) against the password hash alone, and the memory
one hash takes, on a fresh SQLite database:

(a) desk sign-in (`POST /desk/login/`, a staff user) and portal sign-in (`POST /portal/login/`,
    a member's account): p50 and p99, minus (b) = what is beyond the hash (target <= 50 ms);
(b) the hash alone: `check_password` of the same password against the same stored hash;
(c) the peak memory of one hash, each in a new process (its peak RSS before and after), with
    the project's hasher and with Django's default Argon2 parameters (what was used before);
    tracemalloc cannot see it: argon2's memory is allocated in C.

    .venv/bin/python bench/signin.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [str(HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]

PASSWORD = "bench-sign-in-password-1"
# the peak RSS of this process's memory (VmHWM; ru_maxrss would start at the parent's peak,
# which Linux keeps across fork and exec)
ONE_HASH = """
import sys
from django.conf import settings
settings.configure(PASSWORD_HASHERS=[sys.argv[1]])
from django.contrib.auth.hashers import make_password
import argon2  # imported before the measure
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
before = peak()
make_password(sys.argv[2])
print(before, peak())
"""


def hash_memory_mb(hasher: str) -> float:
    """The growth of a new process's peak RSS while it makes one hash with `hasher` (MB)."""
    done = subprocess.run(
        [sys.executable, "-c", ONE_HASH, hasher, PASSWORD],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
    )
    before, after = (int(x) for x in done.stdout.split())
    return (after - before) / 1024


def ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return statistics.median(ordered) * 1e3, p99 * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="cProfile of desk sign-ins")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="appealdesk-bench-signin-") as tmp:
        os.environ.update(
            APPEALDESK_DATA_DIR=tmp,
            DJANGO_SETTINGS_MODULE="appealdesk.settings",
            APPEALDESK_LOG_LEVEL="WARNING",
        )
        os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import check_password, get_hasher
        from django.contrib.auth.models import Group
        from django.core.management import call_command
        from django.test import Client
        from django.utils import timezone

        from appealdesk.accounts.models import PortalAccount
        from appealdesk.cases.models import Party

        call_command("migrate", verbosity=0)
        User = get_user_model()
        staff = User.objects.create_user("bench-staff", "staff@bench.test", PASSWORD, is_staff=True)
        staff.groups.add(Group.objects.get_or_create(name="intake")[0])
        email = "member@bench.test"
        member = User.objects.create_user(email, email, PASSWORD)
        party = Party.objects.create(role="member", name="Bench Member", email=email)
        PortalAccount.objects.create(
            user=member, kind="member", party=party, email_verified_at=timezone.now()
        )
        stored = User.objects.get(pk=staff.pk).password
        hasher = get_hasher()

        def desk() -> None:
            client = Client(HTTP_HOST="127.0.0.1")
            response = client.post(
                "/desk/login/", {"username": "bench-staff", "password": PASSWORD}
            )
            assert response.status_code == 302, response.status_code

        def portal() -> None:
            client = Client(HTTP_HOST="127.0.0.1")
            response = client.post("/portal/login/", {"username": email, "password": PASSWORD})
            assert response.status_code == 302, response.status_code

        def bare_hash() -> None:
            assert check_password(PASSWORD, stored)

        rounds: dict[str, list[float]] = {"desk": [], "portal": [], "hash": []}
        for fn in (desk, portal, bare_hash):  # imports, templates, connections: not measured
            fn()
        for _ in range(args.runs):
            for name, fn in (("desk", desk), ("portal", portal), ("hash", bare_hash)):
                start = time.perf_counter()
                fn()
                rounds[name].append(time.perf_counter() - start)
        hash_p50, hash_p99 = ms(rounds["hash"])
        print(
            f"== sign-in, {args.runs} of each in turn, SQLite, {settings.PASSWORD_HASHERS[0]} "
            f"({hasher.algorithm}: memory {getattr(hasher, 'memory_cost', 0) // 1024} MiB, "
            f"time {getattr(hasher, 'time_cost', '-')}, parallelism "
            f"{getattr(hasher, 'parallelism', '-')}); load average {os.getloadavg()[0]:.1f}"
        )
        print(f"(b) the password hash alone: p50 {hash_p50:.1f} ms, p99 {hash_p99:.1f} ms")
        for name in ("desk", "portal"):
            p50, p99 = ms(rounds[name])
            print(
                f"(a) {name} sign-in: p50 {p50:.1f} ms, p99 {p99:.1f} ms; beyond the hash "
                f"{p50 - hash_p50:.1f} ms (target <= 50 ms)"
            )
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(lambda: [desk() for _ in range(args.runs)])
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    for name in (
        "appealdesk.accounts.hashers.Argon2Hasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ):
        print(f"(c) one hash, {name}: peak RSS grows {hash_memory_mb(name):.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
