"""What every benchmark does first (a Django set up on its own database, away from the demo's), and its arithmetic."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(var_name: str) -> Path:
    """Configure and start Django with PANAH_VAR_DIR=var/<var_name> (unless already set); return ROOT."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PANAH_ENV", "demo")
    os.environ.setdefault("PANAH_VAR_DIR", str(ROOT / "var" / var_name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    return ROOT


def percentile(values, fraction):
    """The value at `fraction` (0.95 for p95) of the sorted values, nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
