"""An example third-party sftlint plugin (see docs/writing-a-plugin.md)."""
