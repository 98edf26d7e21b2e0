"""The smoke test: program, image recipes, file-system facts, disklabels (rumpbuild test)."""
