#!/usr/bin/env python3
"""Refresh or verify the vendored front-end assets from the npm registry.

The pinned packages, the files taken from each and their SHA-256 live in
``guanxi/core/static/vendor/manifest.json``. ``--verify`` (run by the tests)
checks the files on disk against the manifest without any network;
``--refresh`` runs ``npm pack`` for each pinned version, copies the files and
rewrites the checksums. Running the product never needs node.
"""

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "guanxi" / "core" / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify():
    manifest = json.loads(MANIFEST.read_text())
    problems = []
    for package in manifest["packages"]:
        for entry in package["files"]:
            target = VENDOR / entry["dest"]
            if not target.exists():
                problems.append(f"missing {entry['dest']}")
            elif sha256(target) != entry["sha256"]:
                problems.append(f"checksum mismatch {entry['dest']}")
    return problems


def refresh():
    manifest = json.loads(MANIFEST.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        for package in manifest["packages"]:
            spec = f"{package['name']}@{package['version']}"
            out = (
                subprocess.run(
                    ["npm", "pack", "--silent", spec],
                    cwd=tmp,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            with tarfile.open(Path(tmp) / out) as archive:
                for entry in package["files"]:
                    member = archive.extractfile(f"package/{entry['src']}")
                    target = VENDOR / entry["dest"]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with target.open("wb") as handle:
                        shutil.copyfileobj(member, handle)
                    entry["sha256"] = sha256(target)
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true")
    args = parser.parse_args()
    if args.refresh:
        refresh()
    problems = verify()
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
