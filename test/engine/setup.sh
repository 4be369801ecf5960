#!/usr/bin/env bash
# A Docker engine for the real-engine tests, set up from whatever this machine has:
#
#   eval "$(bash test/engine/setup.sh)"     # or: npm run engine
#
# 1. the engine: the one $DOCKER_HOST names if it answers, else the client's default engine,
#    else a private dockerd on $DATALAYER_ENGINE_DIR/docker.sock (default
#    ${TMPDIR:-/tmp}/datalayer-engine), started once and reused by later runs;
# 2. Compose v2 (from Debian's next release when the system has none) and Debian's
#    docker-compose 1.29 (for the test that datalayer refuses it clearly);
# 3. the images the fork-shaped compose file names: pulled where a registry answers, else
#    stand-ins built FROM scratch from files on this machine (see test/engine/images/).
#
# What is missing is installed with apt-get (as root). Progress goes to stderr; stdout carries
# one line, `export DOCKER_HOST=...`. Set DATALAYER_ENGINE_PULL=0 to never try a registry.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
engine_dir="${DATALAYER_ENGINE_DIR:-${TMPDIR:-/tmp}/datalayer-engine}"
engine_host=''

# shellcheck source=lib/log.sh
source "$here/lib/log.sh"
# shellcheck source=lib/packages.sh
source "$here/lib/packages.sh"
# shellcheck source=lib/dockerd.sh
source "$here/lib/dockerd.sh"
# shellcheck source=lib/rootfs.sh
source "$here/lib/rootfs.sh"
# shellcheck source=lib/images.sh
source "$here/lib/images.sh"

started=$SECONDS
command -v node > /dev/null || die "node is needed (Node.js 20 or newer)"

missing=()
command -v docker > /dev/null || missing+=(docker.io)
command -v busybox > /dev/null || missing+=(busybox-static)
[ "${#missing[@]}" = 0 ] || apt_install "${missing[@]}"

choose_engine "$engine_dir"
export DOCKER_HOST="$engine_host"

compose_v2_works || install_compose_plugin "$engine_dir"
say "Compose $(docker compose version --short); engine $(docker info --format '{{.ServerVersion}}')"
ensure_legacy_compose

ensure_postgres_image
ensure_localstack_images
prune_old_standins

say "ready in $((SECONDS - started)) s; images:"
for image in "$POSTGRES_IMAGE" "$LOCALSTACK_LATEST" "$LOCALSTACK_COMMUNITY" "$LOCALSTACK_NEEDS_TOKEN"; do
  if [ -n "$(standin_inputs "$image")" ]; then kind=stand-in; else kind=real; fi
  say "  $image  $(image_id "$image" | cut -c8-19)  $kind"
done
printf 'export DOCKER_HOST=%s\n' "$engine_host"
