#!/usr/bin/env bash
# Builds the container base image from this machine alone (no registry): a jlink-ed Java 17
# runtime with only the modules Portcullis uses, the C libraries that runtime links against, a
# POSIX shell for the entry point, and a non-root user (uid/gid 65532). Writes a `docker save`
# tarball with one layer, which Jib takes as `tar://` base (see the jib plugin in pom.xml).
#   packaging/build-base-image.sh OUT.tar
set -euo pipefail
out=${1:?usage: build-base-image.sh OUT.tar}
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
[ -x "$java_home/bin/jlink" ] || { echo "jlink not found under $java_home (set JAVA_HOME to a JDK 17)" >&2; exit 1; }

# From `jdeps --ignore-missing-deps --print-module-deps --multi-release 17 target/portcullis.jar`,
# plus jdk.crypto.ec, which TLS loads as a service (EC cipher suites to HTTPS upstreams) and
# jdeps therefore cannot see. Re-run jdeps when dependencies change.
modules=java.base,java.compiler,java.desktop,java.naming,java.net.http,java.security.jgss,java.sql
modules=$modules,jdk.jfr,jdk.management,jdk.unsupported,jdk.crypto.ec

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,etc,tmp,opt,lib64,var/lib/portcullis,config}

# No compression: a compressed module image is smaller but slower to start, and the layer is
# gzipped in the image anyway. The CDS archive of the JDK's own classes halves start-up time.
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --generate-cds-archive --output "$root/opt/java"

# The shared libraries the runtime, its native helpers and the shell need, from this machine.
# Not those of the AWT natives (X11, fonts, images, sound): java.desktop is in only for the
# java.beans classes libraries reflect on, and a headless gateway never loads them.
# Netty's epoll transport and SQLite unpack their own native libraries at run time; they need
# libc, libm, libdl and libpthread only, which glibc provides.
cp /bin/dash "$root/bin/sh"
libs=$(find "$root/opt/java" "$root/bin/sh" -type f \( -name '*.so' -o -perm -u+x \) \
    ! -name 'libawt*' ! -name 'libfontmanager*' ! -name 'libjavajpeg*' ! -name 'liblcms*' \
    ! -name 'libmlib_image*' ! -name 'libsplashscreen*' ! -name 'libjsound*' \
    -exec ldd {} + 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | sort -u)
for lib in $libs /lib/x86_64-linux-gnu/libgcc_s.so.1; do
  [ -e "$lib" ] || continue
  real=$(readlink -f "$lib")
  mkdir -p "$root$(dirname "$lib")"
  cp "$real" "$root$lib"
done
for lib in libdl.so.2 libpthread.so.0 librt.so.1 libresolv.so.2 libnss_dns.so.2 libnss_files.so.2; do
  [ -e "/lib/x86_64-linux-gnu/$lib" ] && cp "$(readlink -f "/lib/x86_64-linux-gnu/$lib")" "$root/lib/x86_64-linux-gnu/$lib"
done

cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
portcullis:x:65532:65532:portcullis:/var/lib/portcullis:/sbin/nologin
EOF
cat > "$root/etc/group" <<'EOF'
root:x:0:
portcullis:x:65532:
EOF
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"
chmod 1777 "$root/tmp"

# One layer; owned by root except the data directory, which the non-root user writes (SQLite).
layer=$work/layer.tar
tar_opts=(--numeric-owner --sort=name --mtime=@0 --format=gnu)
tar -C "$root" "${tar_opts[@]}" --owner=0 --group=0 --exclude=./var/lib/portcullis -cf "$layer" .
tar -C "$root" "${tar_opts[@]}" --owner=65532 --group=65532 --no-recursion -rf "$layer" ./var/lib/portcullis
diff_id=sha256:$(sha256sum "$layer" | cut -d' ' -f1)

cat > "$work/config.json" <<EOF
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/opt/java/bin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"],
           "User":"65532:65532","WorkingDir":"/var/lib/portcullis"},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]}}
EOF
echo '[{"Config":"config.json","RepoTags":["portcullis-base:local"],"Layers":["layer.tar"]}]' > "$work/manifest.json"
mkdir -p "$(dirname "$out")"
tar -C "$work" --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$out.tmp" manifest.json config.json layer.tar
mv "$out.tmp" "$out"
echo "base image: $out ($(du -h "$out" | cut -f1))" >&2
