"""The ``trucewatch`` command: thin commands over the core services."""
