"""`make audit`: pip-audit over the pinned requirements, refusing to report a false green.

Offline, pip-audit cannot reach its vulnerability service, marks every package "not found
on PyPI", and still prints "No known vulnerabilities found". This wrapper says plainly that
nothing was audited instead, and exits 3. It is not part of `make test`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

AUDITOR = Path(sys.executable).with_name("pip-audit")


def audit(requirements: str) -> int:
    command = [str(AUDITOR), "-r", requirements, "--format", "json", "--progress-spinner", "off"]
    result = subprocess.run(command, capture_output=True, text=True)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(f"{requirements}: pip-audit failed:\n{result.stderr[-2000:]}")
        return 3
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if dependencies and not audited:
        print(
            f"{requirements}: NOTHING WAS AUDITED - all {len(dependencies)} packages were "
            "skipped, which means the vulnerability service could not be reached (offline?)."
        )
        return 3
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})")
    skipped = len(dependencies) - len(audited)
    print(
        f"{requirements}: {len(audited)} audited, {skipped} skipped, {len(vulnerable)} vulnerable"
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(max(audit(path) for path in sys.argv[1:]))
