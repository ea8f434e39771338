"""Settings: every environment value is declared once in :mod:`yiwang.conf.declarations`."""
