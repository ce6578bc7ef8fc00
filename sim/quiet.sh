# Sourced by the proving ground's build scripts.
# Runs a command silently: its output (a go command's "go: downloading/added …" chatter)
# is printed only if it fails.
quiet() {
  local out
  if ! out=$("$@" 2>&1); then
    echo "$out" >&2
    return 1
  fi
}
