"""rump_<fs>: the userland utility that serves a rump file system (FUSE) or scripts it.

The C program is rump_util.c (host code); build.py compiles it for one file
system and arch and links it with the component's closure.
"""
