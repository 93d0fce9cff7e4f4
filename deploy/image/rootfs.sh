#!/bin/sh
# The runtime root filesystem of Parkway's image, made from Debian packages only: the C
# library and libgcc_s (the server links them; jemalloc, TLS and everything else are
# compiled in), the Mozilla CA certificates (TLS to Postgres, the OpenID Provider and
# API servers) and an unprivileged user. No shell, no package manager, nothing to exec.
# Used by the Containerfile's `rootfs` stage and by `cargo xtask image` on the host.
set -eu
out=$1
packages="libc6 libgcc-s1 ca-certificates"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download $packages >/dev/null)
rm -rf "$out"
mkdir -p "$out"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$out"
done
# Documentation, locale data, character-set converters and the tools of these packages
# (ldconfig, update-ca-certificates): nothing the server uses.
rm -rf "$out/usr/share/doc" "$out/usr/share/man" "$out/usr/share/lintian" \
  "$out/usr/share/locale" "$out/usr/share/i18n" "$out/usr/lib/x86_64-linux-gnu/gconv" \
  "$out/usr/lib/aarch64-linux-gnu/gconv" "$out/sbin" "$out/usr/sbin" "$out/usr/bin" \
  "$out/etc/ca-certificates" "$out/etc/ld.so.conf.d" "$out/usr/libexec" "$out/var"
# The bundle update-ca-certificates would write (its usual path, which rustls-native-certs
# and OpenSSL read).
mkdir -p "$out/etc/ssl/certs"
cat "$out"/usr/share/ca-certificates/mozilla/*.crt > "$out/etc/ssl/certs/ca-certificates.crt"
rm -rf "$out/usr/share/ca-certificates"
# uid/gid 65532, the distroless convention for "nonroot".
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$out/etc/group"
mkdir -p "$out/home/nonroot" "$out/tmp"
chown 65532:65532 "$out/home/nonroot"
chmod 1777 "$out/tmp"
for package in $packages; do
  echo "$package $(dpkg-deb -f "$work"/"${package}"_*.deb Version)"
done > "$out/etc/parkway-image-packages"
