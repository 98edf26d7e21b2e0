"""Image writers for file systems no host tool writes (smoke/images.toml recipes call them).

``python3 -m rumpbuild.images v7fs IMAGE DIR`` and ``... sysvbfs IMAGE DIR``
(see __main__.py).  Each module writes its format as the tree's kernel reads it.
"""
