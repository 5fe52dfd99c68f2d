"""``python -m trucewatch`` runs the ``trucewatch`` command."""

from trucewatch.cli.main import main

main()
