#!/bin/sh
# Builds the image's base filesystem from the build's JDK, without a registry or a Docker daemon:
#   - a Java runtime made by jlink with only the modules the gateway uses,
#   - the C libraries that runtime links against (glibc, libstdc++, libgcc_s, zlib...), taken where ldd finds them
#     on the build machine, at the same paths, with the dynamic loader,
#   - /etc/passwd and /etc/group with the non-root user 65532 (nonroot), /etc/nsswitch.conf and /etc/hosts, /tmp.
# Usage: base.sh <java.home of the build JDK> <output root> <comma-separated modules>
set -eu
JDK=$1
ROOT=$2
MODULES=$3

rm -rf "$ROOT"
mkdir -p "$ROOT/opt" "$ROOT/etc" "$ROOT/tmp" "$ROOT/home/nonroot"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$ROOT/opt/java"

# A headless server: java.desktop stays for java.beans, without AWT, fonts, images and sound (and the X11 libraries
# those would pull in).
for lib in awt awt_xawt awt_headless jawt splashscreen fontmanager freetype jsound lcms javajpeg mlib_image; do
  rm -f "$ROOT/opt/java/lib/lib$lib.so"
done

# Distribution JDKs link their trust store and policy files to /etc: take the files themselves.
find "$ROOT/opt/java" -type l | while read -r link; do
  target=$(readlink -f "$link" || true)
  rm -f "$link"
  if [ -n "$target" ] && [ -f "$target" ]; then
    cp "$target" "$link"
  fi
done
if [ ! -s "$ROOT/opt/java/lib/security/cacerts" ]; then
  echo "base.sh: the runtime has no CA certificates (lib/security/cacerts)" >&2
  exit 1
fi

# The shared libraries of every executable and library of the runtime, outside the runtime itself.
find "$ROOT/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec ldd {} \; 2>/dev/null \
  | awk -v root="$ROOT" '
      $2 == "=>" && $3 ~ /^\// && index($3, root) != 1 { print $3 }
      $1 ~ /^\/.*ld-linux/ { print $1 }' \
  | sort -u | while read -r lib; do
    mkdir -p "$ROOT$(dirname "$lib")"
    cp -L "$lib" "$ROOT$lib"
  done
if ! ls "$ROOT"/lib*/ld-linux* >/dev/null 2>&1; then
  echo "base.sh: no dynamic loader found for the runtime (is ldd installed?)" >&2
  exit 1
fi

cat > "$ROOT/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat > "$ROOT/etc/group" <<'GROUP'
root:x:0:
nonroot:x:65532:
GROUP
echo "hosts: files dns" > "$ROOT/etc/nsswitch.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' > "$ROOT/etc/hosts"
