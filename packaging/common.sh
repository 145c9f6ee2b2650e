# packaging/common.sh: what the packaging scripts share (scripts/deb and
# scripts/rpm source it): the version, the maintainer, the changelog
# entries, and the staged install (commands named $APP_PREFIX<tool>, plain
# names under /usr/lib/bpftk/bin).

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

# The maintainer: Debian's DEBFULLNAME and DEBEMAIL when set, else the author
# of the commit being packaged.
maintainer() {
  local name=${DEBFULLNAME:-} email=${DEBEMAIL:-}
  if [ -z "$name" ] || [ -z "$email" ]; then
    name=${name:-$(git log -1 --format=%an 2>/dev/null || true)}
    email=${email:-$(git log -1 --format=%ae 2>/dev/null || true)}
  fi
  case "$email" in
    *@*.*) ;;
    *) echo "$PKG_TOOL: no maintainer address (set DEBFULLNAME and DEBEMAIL, or package a git checkout)" >&2; exit 1 ;;
  esac
  echo "$name <$email>"
}

# changelog_entries: "VERSION<TAB>DATE<TAB>ITEM" per item of CHANGELOG.md,
# newest release first; an item's continuation lines are joined to it.
changelog_entries() {
  awk '
    /^## / { flush(); ver = $2; date = $3; gsub(/[()]/, "", date); next }
    ver != "" && /^- / { flush(); item = substr($0, 3); next }
    ver != "" && /^  [^ ]/ && item != "" { sub(/^ +/, ""); item = item " " $0; next }
    { flush() }
    function flush() { if (item != "") print ver "\t" date "\t" item; item = "" }
    END { flush() }
  ' CHANGELOG.md
}
[ "$(changelog_entries | head -1 | cut -f1)" = "$version" ] ||
  { echo "$PKG_TOOL: CHANGELOG.md has no entry for $version, the version in Cargo.toml" >&2; exit 1; }

# stage_install ROOT: the multicall layout under ROOT/usr, commands named
# $APP_PREFIX<tool>, and /usr/lib/bpftk/bin holding every tool under its plain
# name (put it first in PATH to type opensnoop for bpf-opensnoop).
stage_install() {
  local root=$1 t
  DESTDIR=$root PREFIX=/usr LAYOUT=multicall APP_PREFIX=$APP_PREFIX scripts/install >/dev/null
  # The package manager keeps its own list of the files.
  rm -r "$root/usr/share/bpftk"
  if [ -n "$APP_PREFIX" ]; then
    mkdir -p "$root/usr/lib/bpftk/bin"
    for t in $("$BPFTK_BIN_DIR/bpftk" list | awk '{print $1}'); do
      ln -s ../../../sbin/bpftk "$root/usr/lib/bpftk/bin/$t"
    done
  fi
}
