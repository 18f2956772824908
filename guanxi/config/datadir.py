"""The data directory: database, job queue, uploaded files and the secret key."""

import os
import secrets
from pathlib import Path


def data_dir(configured: str, project_root: Path) -> Path:
    path = Path(configured) if configured else project_root / "var"
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_or_create_secret_key(directory: Path) -> str:
    """Return the installation's secret key, creating it (mode 600) on first use."""
    key_file = directory / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
