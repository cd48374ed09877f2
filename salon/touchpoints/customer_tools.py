"""Tools registered on import (see registry.py)."""
