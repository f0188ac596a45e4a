"""Where warren finds its checkout-level files (registry, brand folders, policies, migrations)."""

from pathlib import Path

# platform/warren/paths.py -> the checkout root is two levels above the package.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_ROOT = Path(__file__).resolve().parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
POLICIES_DIR = PROJECT_ROOT / "policies"
BASE_TEMPLATES_DIR = PACKAGE_ROOT / "web" / "templates"
BASE_STATIC_DIR = PACKAGE_ROOT / "web" / "static"
