"""The hostile tests share the operations tests' fixtures (the demo's sample sites)."""

from tests.ops.conftest import sample_sites  # noqa: F401  (a fixture, used by name)
