# SPDX-License-Identifier: GPL-2.0-only
# scripts/apt-deb.sh: fetching one Debian package's .deb without installing
# it, for dom0/fetch-kernel.sh and bench/fetch-xen.sh. Sourced (POSIX sh);
# the caller defines say() and die().

command -v apt-cache >/dev/null && command -v apt-get >/dev/null ||
    die "needs apt-cache and apt-get (Debian package: apt)"
command -v dpkg-deb >/dev/null || die "needs dpkg-deb (Debian package: dpkg)"

# apt_update WHAT: refresh the package lists (as root) because apt knows no WHAT.
apt_update() {
    [ "$(id -u)" -eq 0 ] || die "apt knows no $1; run 'apt-get update' as root"
    say "apt knows no $1 yet: running apt-get update"
    apt-get -q update </dev/null >/dev/null || die "apt-get update failed"
}

# apt_deb_fetch PKG VER OUTDIR OLD_GLOB [ARCH]: leave PKG=VER's .deb in
# OUTDIR and its path in $deb. A .deb already there is used as it is; other
# files matching OUTDIR/OLD_GLOB (older versions) are removed once it is
# fetched. ARCH is the package's architecture (amd64, or all).
apt_deb_fetch() {
    # apt writes the file name with ':' in an epoch escaped as %3a.
    deb=$3/${1}_$(echo "$2" | sed 's/:/%3a/')_${5:-amd64}.deb
    mkdir -p "$3"
    if [ -s "$deb" ]; then
        say "$1 $2: using $deb"
        return
    fi
    say "$1 $2: downloading"
    # As root apt would drop to the _apt user, who cannot write here.
    sandbox=
    [ "$(id -u)" -ne 0 ] || sandbox="-o APT::Sandbox::User=root"
    # shellcheck disable=SC2086
    if ! (cd "$3" && apt-get -q download $sandbox "$1=$2" </dev/null); then
        # Stale package lists name a file the mirror no longer has.
        apt_update "$1 $2"
        # shellcheck disable=SC2086
        (cd "$3" && apt-get -q download $sandbox "$1=$2" </dev/null) ||
            die "apt-get download $1=$2 failed"
    fi
    [ -s "$deb" ] || die "apt-get download did not leave $deb"
    for old in "$3"/$4; do
        [ "$old" = "$deb" ] || rm -f "$old"
    done
}
