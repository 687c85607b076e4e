"""The figures of the theory pages, one module per chapter, drawn at build time from
``dlcourse`` itself. Each function returns a matplotlib ``Figure``; a theory page shows it
from a code cell tagged ``remove-input``."""
