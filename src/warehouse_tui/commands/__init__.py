"""Subcommands of the `warehouse-tui` command line, one module per area."""
