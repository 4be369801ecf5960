# Progress on stderr (stdout carries only the DOCKER_HOST line), and a fatal error.
say() { printf 'engine: %s\n' "$*" >&2; }
die() { printf 'engine: error: %s\n' "$*" >&2; exit 1; }

# Runs a command and shows its output only when it fails.
quietly() {
  local output
  if ! output="$("$@" 2>&1)"; then
    printf '%s\n' "$output" | tail -n 20 >&2
    return 1
  fi
}
