"""The password hash (SPEC 8: Argon2), at OWASP's minimum rather than Django's default.

Django's Argon2 defaults (memory 100 MiB, 2 passes, 8 lanes) took ~100 MB of a worker's memory
for every sign-in (issue 24.5) and most of its time (issue 22.5). OWASP's Password Storage
Cheat Sheet recommends "a minimum configuration of 19 MiB of memory, an iteration count of 2,
and 1 degree of parallelism" for Argon2id; this is that configuration.

The algorithm's name stays `argon2`: a hash made with Django's defaults verifies (its own
parameters are in it), and as they differ from these `must_update` is true, so Django stores
the password again with these at the next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2Hasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB: 19 MiB
    parallelism = 1
