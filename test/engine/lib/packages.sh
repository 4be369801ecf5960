# Debian packages: what the system's release has (docker.io, busybox-static, docker-compose 1.29)
# and the Compose v2 plugin, which only Debian's next release (trixie) packages.

apt_updated=0

is_root() { [ "$(id -u)" = 0 ]; }

# Root, or a sudo that needs no password (a CI runner): what installing and starting dockerd need.
can_be_root() { is_root || { command -v sudo > /dev/null && sudo -n true 2> /dev/null; }; }
as_root() { if is_root; then "$@"; else sudo -n "$@"; fi; }

apt_install() {
  command -v apt-get > /dev/null || die "$* missing and apt-get is not available: install $* yourself"
  can_be_root || die "$* missing: install with \`sudo apt-get install $*\` (or run this script as root)"
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    quietly as_root apt-get update -q
    apt_updated=1
  fi
  say "apt-get install $*"
  quietly as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# The Debian mirror the system's apt sources use (deb822 .sources first, then sources.list).
debian_mirror() {
  local file uri
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    uri="$(awk '
      /^URIs:/ { uris = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /-security$/) main = 1 }
      /^$/ { if (uris != "" && main) exit; uris = ""; main = 0 }
      END { if (uris != "" && main) print uris }' "$file")"
    if [ -n "$uri" ]; then printf '%s\n' "$uri"; return; fi
  done
  if [ -f /etc/apt/sources.list ]; then
    uri="$(sed -E 's/\[[^]]*\]//' /etc/apt/sources.list | awk '$1 == "deb" && $3 !~ /-security$/ { print $2; exit }')"
    if [ -n "$uri" ]; then printf '%s\n' "$uri"; return; fi
  fi
  printf '%s\n' http://deb.debian.org/debian
}

compose_v2_works() {
  local version
  version="$(docker compose version --short 2> /dev/null)" || return 1
  case "${version#v}" in 2.* | 5.*) return 0 ;; *) return 1 ;; esac
}

# Compose v2 as a docker CLI plugin, from trixie's docker-compose package, without touching the
# system's apt sources: private source list, lists and cache under $1.
install_compose_plugin() {
  local work="$1/apt-trixie" plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins" install=(install)
  if can_be_root; then plugin_dir=/usr/local/lib/docker/cli-plugins install=(as_root install); fi
  command -v apt-get > /dev/null || die "Compose v2 is missing: install the docker compose plugin (https://docs.docker.com/compose/install/)"
  rm -rf "$work" && mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/deb"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$(debian_mirror)" > "$work/sources.list"
  local options=(-q -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
  say "fetching Compose v2 (docker-compose from Debian trixie)"
  quietly apt-get "${options[@]}" update
  (cd "$work/deb" && quietly apt-get "${options[@]}" download docker-compose)
  dpkg -x "$work"/deb/docker-compose_*.deb "$work/package"
  "${install[@]}" -D -m 0755 "$work/package/usr/libexec/docker/cli-plugins/docker-compose" "$plugin_dir/docker-compose"
  rm -rf "$work"
  compose_v2_works || die "the Compose plugin installed in $plugin_dir does not answer \`docker compose version\`"
  say "Compose $(docker compose version --short) installed in $plugin_dir"
}

# Debian's own docker-compose 1.29 (Python): a test checks that datalayer refuses it clearly.
ensure_legacy_compose() {
  if command -v docker-compose > /dev/null; then return; fi
  if ! can_be_root || ! command -v apt-get > /dev/null; then
    say "docker-compose 1.29 not installed (needs root and apt): its test will be skipped"
    return
  fi
  apt_install docker-compose
}
