"""ELF object handling: reading (reader.py) and rump namespace renaming (rename.py)."""
