"""The import contracts in pyproject.toml hold (layers platform → org → learning → authoring/reports → CLI, no view
importing another view, question types independent of their users, services free of the request)."""
import subprocess
import sys

from tests.conftest import ROOT

LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def test_import_contracts_are_kept():
    """Run as Python, not through the console script (a pyenv shim may not exist before a rehash)."""
    result = subprocess.run([sys.executable, "-c", LINT_IMPORTS], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout
