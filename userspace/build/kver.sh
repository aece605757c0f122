# shellcheck shell=bash
# kver.sh: sourced by the build, lab and test scripts. KVER (6.1 or 6.12,
# default 6.1) selects the kernel base; this sets, for it:
#   kver            the version (6.1 or 6.12)
#   kver_sfx        suffix of its build directories: "" for 6.1 (build/linux,
#                   build/obj, build/lab as before), "-6.12" for 6.12
#   kver_patches    its hook series (patches/<kver>: series, base, *.patch)
#   kver_pkg        the Debian package of its source (linux-source-<kver>)
#   kver_deb        the exact Debian version the series is made for
#   kver_kernelversion  what that package's Makefile says (e.g. 6.12.118)
#   kver_tarball    /usr/src/linux-source-<kver>.tar.xz
# The new files (kernel/, drivers/, include/) are shared by both bases;
# include/linux/crash_dma_quiesce_compat.h absorbs the API differences.
# Requires $top (the repository) to be set by the caller.
kver=${KVER:-6.1}
case "$kver" in
6.1) kver_sfx= ;;
6.12) kver_sfx=-6.12 ;;
*)
	echo "KVER=$kver: must be 6.1 or 6.12" >&2
	exit 2
	;;
esac
kver_patches=$top/patches/$kver
kver_pkg=linux-source-$kver
kver_tarball=/usr/src/$kver_pkg.tar.xz
kver_deb=$(sed -n 's/^version[[:space:]]\{1,\}//p' "$kver_patches/base")
kver_kernelversion=$(sed -n 's/^kernelversion[[:space:]]\{1,\}//p' "$kver_patches/base")
