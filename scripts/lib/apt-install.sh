# Sourced by scripts/deps/*.sh: installs Debian packages that are missing, once, as root (or with sudo).
# Usage: apt_install_missing LABEL PACKAGE...   (does nothing without packages; exits non-zero on failure)
apt_install_missing() {
  local label="$1"; shift
  [ "$#" -eq 0 ] && { echo "$label deps: all present"; return 0; }
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$label deps: missing $* and apt-get is not available; install them by hand" >&2
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "$label deps: need root to install $*" >&2
      return 1
    fi
  fi
  echo "$label deps: installing $*"
  # Try the cached package lists first; update them only when that fails (a fresh machine has none).
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; then
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  fi
}
