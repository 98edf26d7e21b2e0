#!/bin/sh
# Copyright (c) 2026 The rumpbuild authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Print the OS release computed from __NetBSD_Version__ (MMmmrrpp00)
# in ../sys/param.h, relative to this script.
#	(no option)	7.99.34
#	-n		7.99	(major.minor)
#	-s		79934	(no dots)

param="$(dirname "$0")/../sys/param.h"
v=$(awk '$1 == "#define" && $2 == "__NetBSD_Version__" { print $3; exit }' \
    "$param")
case "$v" in
[0-9]*)	;;
*)	echo "osrelease.sh: no __NetBSD_Version__ in $param" >&2; exit 1;;
esac

major=$((v / 100000000))
minor=$((v / 1000000 % 100))
rel=$((v / 10000 % 100))
patch=$((v / 100 % 100))
[ $rel -ne 0 ] || rel=$patch	# -current: 7.99.34 is 799003400

case "$1" in
-n)	echo "${major}.${minor}";;
-s)	if [ $rel -ne 0 ]; then echo "${major}${minor}${rel}"; \
	else echo "${major}${minor}"; fi;;
*)	if [ $rel -ne 0 ]; then echo "${major}.${minor}.${rel}"; \
	else echo "${major}.${minor}"; fi;;
esac
