"""The import contracts in pyproject.toml hold (layers platform → org → learning → authoring/reports → CLI, no view
importing another view, question types independent of their users, services free of the request)."""
import shutil
import subprocess

from tests.conftest import ROOT


def test_import_contracts_are_kept():
    lint_imports = shutil.which("lint-imports")
    assert lint_imports, "pip install -r requirements-dev.txt (import-linter)"
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout
