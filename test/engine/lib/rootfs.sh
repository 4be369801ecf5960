# Root file systems for FROM-scratch images, made of files already on this machine. Nothing is
# assumed about where they live: executables are found with `command -v`, libraries with ldd.

# Copies every shared library ldd resolves for $2 into rootfs $1, at the paths ldd names, except
# those under $3 (a directory the caller copies whole, e.g. one with its own lib/).
add_libraries() {
  local rootfs="$1" file="$2" bundled="${3:-}" lib
  # A static executable or a file that is not ELF has no libraries: ldd says so and fails.
  while read -r lib; do
    [ -n "$lib" ] || continue
    if [ -n "$bundled" ] && [[ "$(readlink -f "$lib")" == "$bundled"/* ]]; then continue; fi
    # Modes kept: the dynamic loader must stay executable.
    [ -e "$rootfs$lib" ] || install -D -m "$(stat -c %a "$(readlink -f "$lib")")" "$(readlink -f "$lib")" "$rootfs$lib"
  done < <(ldd "$file" 2> /dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

# Copies an executable to $3 (default: its own path) inside rootfs $1, with its libraries.
add_executable() {
  local rootfs="$1" file="$2" dest="${3:-$2}"
  install -D -m 0755 "$(readlink -f "$file")" "$rootfs$dest"
  add_libraries "$rootfs" "$file"
}

# busybox as /bin/busybox, /bin/sh and every applet it has; /bin/bash runs its ash, which is
# enough for the init scripts these images run (they start with #!/bin/bash).
add_busybox() {
  local rootfs="$1" busybox applet
  busybox="$(command -v busybox)" || die "busybox not found (Debian: busybox-static)"
  add_executable "$rootfs" "$busybox" /bin/busybox
  for applet in $("$busybox" --list); do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
  done
  rm -f "$rootfs/bin/bash"
  printf '#!/bin/sh\nexec /bin/busybox ash "$@"\n' > "$rootfs/bin/bash"
  chmod 0755 "$rootfs/bin/bash"
  mkdir -p "$rootfs/tmp" "$rootfs/etc" "$rootfs/root"
  chmod 1777 "$rootfs/tmp"
}
