#!/bin/sh
# fetch-xen.sh OUTDIR: put Debian's Xen 4.17 hypervisor in OUTDIR/xen.gz,
# for the benchmarks that compare Mica with Xen (bench/README.md).
#
# xen-hypervisor-4.17-amd64 holds the whole hypervisor as one file,
# /boot/xen-4.17-amd64.gz, which GRUB's multiboot2 loads as it is; nothing
# else is needed to boot it with a dom0 kernel of our own. The package is
# fetched with `apt-get download` (kept in OUTDIR: a .deb already there is
# not fetched again) and unpacked with dpkg-deb -x under OUTDIR/root. Xen
# is never installed on the host. OUTDIR/xen.version gets "package version".
set -eu
out=$1
pkg=${XEN_PACKAGE:-xen-hypervisor-4.17-amd64}

say() { echo "bench: $*"; }
die() { echo "mica: fetch-xen: $*" >&2; exit 1; }

command -v apt-cache >/dev/null && command -v apt-get >/dev/null ||
    die "needs apt-cache and apt-get (Debian package: apt)"
command -v dpkg-deb >/dev/null || die "needs dpkg-deb (Debian package: dpkg)"

apt_update() {
    [ "$(id -u)" -eq 0 ] || die "apt knows no $1; run 'apt-get update' as root"
    say "apt knows no $1 yet: running apt-get update"
    apt-get -q update </dev/null >/dev/null || die "apt-get update failed"
}

version() {
    apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n1
}

ver=$(version)
if [ -z "$ver" ]; then
    apt_update "$pkg"
    ver=$(version)
fi
[ -n "$ver" ] || die "apt-cache show $pkg gives no version (is this Debian 12?)"

mkdir -p "$out"
# apt writes the file name with ':' in an epoch escaped as %3a.
deb=$out/${pkg}_$(echo "$ver" | sed 's/:/%3a/')_amd64.deb
if [ -s "$deb" ]; then
    say "$pkg $ver: using $deb"
else
    say "$pkg $ver: downloading"
    # As root apt would drop to the _apt user, who cannot write here.
    sandbox=
    [ "$(id -u)" -ne 0 ] || sandbox="-o APT::Sandbox::User=root"
    # shellcheck disable=SC2086
    if ! (cd "$out" && apt-get -q download $sandbox "$pkg=$ver" </dev/null); then
        # Stale package lists name a file the mirror no longer has.
        apt_update "$pkg $ver"
        # shellcheck disable=SC2086
        (cd "$out" && apt-get -q download $sandbox "$pkg=$ver" </dev/null) ||
            die "apt-get download $pkg=$ver failed"
    fi
    [ -s "$deb" ] || die "apt-get download did not leave $deb"
    for old in "$out/${pkg}"_*.deb; do
        [ "$old" = "$deb" ] || rm -f "$old"
    done
fi

rm -rf "$out/root"
dpkg-deb -x "$deb" "$out/root" || die "dpkg-deb -x $deb failed"
set -- "$out"/root/boot/xen-*-amd64.gz
[ $# -eq 1 ] && [ -f "$1" ] || die "$deb has no single /boot/xen-*-amd64.gz"
cp "$1" "$out/xen.gz.tmp"
printf '%s %s\n' "$pkg" "$ver" >"$out/xen.version"
mv "$out/xen.gz.tmp" "$out/xen.gz"
say "Xen ($pkg $ver) in $out/xen.gz"
