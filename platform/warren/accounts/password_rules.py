"""What a new password must be: long enough, not a common password, not the user's own names.

The common-password list is Django's ``common-passwords.txt.gz`` (copied unchanged from
Django 5.2.19, BSD-3-Clause): 20,000 of the most common passwords, lower-cased and
deduplicated, compiled by Royce Williams from breach corpora
(https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce). It ships inside
the package, so checking a password never reaches the network.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from warren.i18n import N_

PASSWORD_MIN = 10
PASSWORD_MAX = 256
# A name shorter than this ("jo@…") would forbid half of all passwords and protect nothing.
NAME_MIN = 3
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"


def _load_common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(stripped for line in lines if (stripped := line.strip()))


# Loaded at import: a package built without the list fails when the process starts, not on
# the first sign-up.
COMMON_PASSWORDS = _load_common_passwords()


def password_problem(password: str, email: str | None, username: str) -> str | None:
    """What is wrong with ``password`` for this account, in one or more sentences, or None."""
    if len(password) < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters."
    if len(password) > PASSWORD_MAX:
        return f"Use at most {PASSWORD_MAX} characters."
    lowered = password.strip().lower()
    problems = []
    if lowered in COMMON_PASSWORDS:
        problems.append(
            N_(
                "This is one of the most common passwords, the first ones attackers try; choose another."
            )
        )
    if len(username) >= NAME_MIN and username.lower() in lowered:
        problems.append(N_("The password must not contain your username."))
    local_part = email.rpartition("@")[0] if email else ""
    if len(local_part) >= NAME_MIN and local_part.lower() in lowered:
        problems.append(N_("The password must not contain your email address."))
    return " ".join(problems) or None
