"""Training-related CLI commands (filled in by the trainer)."""


def add_commands(sub) -> None:
    """Register train/sample/reconstruct commands."""
