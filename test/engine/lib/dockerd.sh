# Finding an engine that answers, or starting a private one.

# Whether the engine at DOCKER_HOST=$1 ('' for the client's default) answers.
engine_answers() {
  if [ -n "$1" ]; then
    DOCKER_HOST="$1" timeout 20 docker info --format '{{.ServerVersion}}' > /dev/null 2>&1
  else
    env -u DOCKER_HOST timeout 20 docker info --format '{{.ServerVersion}}' > /dev/null 2>&1
  fi
}

# The endpoint of the client's default context (what DOCKER_HOST to export for it).
default_endpoint() {
  env -u DOCKER_HOST docker context inspect --format '{{.Endpoints.docker.Host}}' 2> /dev/null || printf '%s\n' unix:///var/run/docker.sock
}

# A dockerd of our own on $1/docker.sock that leaves the host's network alone: no iptables rules,
# no default bridge (compose projects make their own networks; published ports go through
# docker-proxy), its own empty config file so that an /etc/docker/daemon.json cannot conflict.
# Storage: overlay2 where the kernel and the file system under $1 allow it, else vfs, which works
# anywhere (in a container too) but copies an image's whole file tree for every container made:
# a container made and removed costs about 5 times as long.
start_private_engine() {
  local dir="$1" driver
  command -v dockerd > /dev/null || apt_install docker.io
  can_be_root || die "starting a Docker engine needs root: run this script with sudo, or start Docker yourself and set DOCKER_HOST"
  mkdir -p "$dir"
  [ -f "$dir/daemon.json" ] || printf '{}\n' > "$dir/daemon.json"
  for driver in overlay2 vfs; do
    if start_dockerd "$dir" "$driver"; then return; fi
    [ "$driver" = vfs ] || say "dockerd cannot use $driver storage here (log: $dir/dockerd.log); trying vfs"
  done
  tail -n 20 "$dir/dockerd.log" >&2
  die "dockerd exited before it answered"
}

# Starts dockerd with storage driver $2 and waits until it answers; fails when it exits first.
start_dockerd() {
  local dir="$1" driver="$2" host="unix://$1/docker.sock"
  say "starting a private dockerd ($driver storage) on $host (log: $dir/dockerd.log)"
  # The socket's group is this user's, so that the tests (same user) can use it without sudo.
  as_root setsid dockerd --config-file "$dir/daemon.json" --storage-driver="$driver" --iptables=false --ip6tables=false --bridge=none \
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" -H "$host" --group "$(id -gn)" \
    >> "$dir/dockerd.log" 2>&1 < /dev/null &
  local pid=$! waited=0
  until engine_answers "$host"; do
    kill -0 "$pid" 2> /dev/null || return 1
    [ "$waited" -lt 120 ] || die "dockerd did not answer on $host within 60 s (log: $dir/dockerd.log)"
    sleep 0.5
    waited=$((waited + 1))
  done
}

# Sets engine_host to the DOCKER_HOST of the engine to use: $DOCKER_HOST when it answers, else
# the client's default engine, else the private engine under $1 (started when it does not answer).
choose_engine() {
  local dir="$1" private="unix://$1/docker.sock"
  if [ -n "${DOCKER_HOST:-}" ]; then
    if engine_answers "$DOCKER_HOST"; then
      say "using the engine at DOCKER_HOST=$DOCKER_HOST"
      engine_host="$DOCKER_HOST"
      return
    fi
    say "DOCKER_HOST=$DOCKER_HOST does not answer"
  fi
  if engine_answers ''; then
    engine_host="$(default_endpoint)"
    say "using the default engine ($engine_host)"
    return
  fi
  if engine_answers "$private"; then
    say "reusing the private engine at $private"
  else
    start_private_engine "$dir"
  fi
  engine_host="$private"
}
