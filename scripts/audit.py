"""Dependency audit for `make lint`: pip-audit over the installed packages, and its blind spots.

pip-audit asks PyPI's advisory data for each installed distribution at its
installed version (our own editable package is skipped). It reports "No known
vulnerabilities found" even when it could not ask about a single package,
for instance where only PyPI's package index is reachable and its per-version
JSON API is not. So this script reads pip-audit's JSON and says plainly how
many packages were audited; for the ones pip-audit skipped, it asks PyPI's
project JSON, whose advisory list is for the newest release, about every
package installed at that release, and names the rest as not audited.

Exit status: 1 if any vulnerability was found, else 0 (an audit that could not
reach its service is reported, not failed: the network is not ours to fix).

    .venv/bin/python scripts/audit.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

PYPI = "https://pypi.org/pypi/{name}/json"
TIMEOUT = 20


def pip_audit() -> list[dict[str, Any]]:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    command = [
        str(pip_audit),
        "--local",
        "--skip-editable",
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        sys.exit(f"pip-audit gave no report (exit {done.returncode}):\n{done.stderr}")
    dependencies: list[dict[str, Any]] = report["dependencies"]
    return dependencies


def newest_release(name: str) -> tuple[str, list[dict[str, Any]]] | None:
    """The newest release of a project and the advisories that concern it, or None."""
    try:
        with urllib.request.urlopen(PYPI.format(name=name), timeout=TIMEOUT) as answer:
            project = json.load(answer)
    except (OSError, ValueError):
        return None
    return project["info"]["version"], project.get("vulnerabilities") or []


def main() -> int:
    dependencies = pip_audit()
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d and "editable" not in d["skip_reason"]]
    found = [(d["name"], d["version"], v) for d in audited for v in d.get("vulns", [])]
    not_audited: list[str] = []
    if skipped:
        installed = {d.metadata["Name"].lower(): d.version for d in metadata.distributions()}
        names = [d["name"] for d in skipped if d["name"].lower() in installed]
        with ThreadPoolExecutor(8) as pool:
            newest = dict(zip(names, pool.map(newest_release, names), strict=True))
        for name in names:
            version = installed[name.lower()]
            release = newest[name]
            if release is None or release[0] != version:
                behind = "unknown" if release is None else f"newest is {release[0]}"
                not_audited.append(f"{name} {version} ({behind})")
                continue
            audited.append({"name": name, "version": version})
            found.extend((name, version, v) for v in release[1])
    for name, version, vuln in found:
        fixed = ", ".join(vuln.get("fix_versions") or vuln.get("fixed_in") or []) or "none yet"
        ident = vuln.get("id", "?")
        print(f"VULNERABLE: {name} {version}: {ident} (fixed in {fixed})")
    print(f"dependency audit: {len(audited)} packages audited, {len(found)} vulnerabilities found")
    if not_audited:
        print(
            f"not audited ({len(not_audited)}): pip-audit could not reach its advisory "
            "service and PyPI lists advisories only for the newest release: "
            + "; ".join(not_audited)
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
