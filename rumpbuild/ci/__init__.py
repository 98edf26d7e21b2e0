"""`rumpbuild ci`: build and smoke-test a matrix of components × arches, write a dist folder.

select.py    which components (`fs`, names, `changed:REV`)
matrix.py    the run: one BuildSession (output folder) per arch, base once, each component on its own
report.py    dist/: libraries, compile_commands.json, junit.xml, summary.json, summary.md
progress.py  live display in a terminal, plain lines in CI logs
workflow.py  `--emit-workflow github` from templates/github-workflow.yml.j2
"""
