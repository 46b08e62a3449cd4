#!/usr/bin/env bash
# The .deb a user installs: packs the build with cpack, unpacks it into a temporary root (no root rights, no
# dpkg database touched) and runs the installed program from there: `info` must find everything inside the
# root, describe and edit answer with the packaged language model, and the window renders a screenshot.
# Usage: deb_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/unipose-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/pkg" > "$work/cpack.log" 2>&1) || { tail -20 "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/pkg/*.deb)
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"
control=$(dpkg-deb -f "$deb" Depends)
echo "depends: $control"
for dep in libsentencepiece0 wordnet-base libopenblas0 fonts-dejavu-core libgl1-mesa-dri libtorch; do
  grep -q "$dep" <<<"$control" || fail "Depends lacks $dep"
done
dpkg-deb -x "$deb" "$work/root"
root=$work/root
for f in usr/bin/unipose usr/lib/unipose/libunipose_spm.so usr/share/unipose/resources/text/instruction_templates.json \
         usr/share/unipose/models/language_model/model.safetensors usr/share/applications/io.unipose.Studio.desktop \
         usr/share/icons/hicolor/scalable/apps/io.unipose.Studio.svg usr/share/mime/packages/io.unipose.Studio.xml \
         usr/share/metainfo/io.unipose.Studio.metainfo.xml; do
  [ -e "$root/$f" ] || fail "the package lacks /$f"
done
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$root/usr/share/metainfo/io.unipose.Studio.metainfo.xml" > "$work/appstream.log" 2>&1 ||
    { cat "$work/appstream.log"; fail "AppStream metadata does not validate"; }
fi
# Model cards name no folder of the machine they were made on.
if grep -rlE "(/work/|/home/|/tmp/|/root/)" "$root/usr/share/unipose/models" --include='*.md' --include='*.json'; then
  fail "a packaged model card or config names a machine path"
fi

# Nothing from the build or source tree: the installed program must find its parts inside the root.
unset UNIPOSE_RESOURCES UNIPOSE_MODELS UNIPOSE_SPM_MODULE
bin=$root/usr/bin/unipose
info=$("$bin" info)
echo "$info"
for what in resources models "sentencepiece module"; do
  grep -q "^$what: $root/" <<<"$info" || fail "'unipose info' does not find the $what inside the installed root"
done
pose=$root/usr/share/unipose/resources/poses/t_pose.json
words=$("$bin" describe --pose "$pose")
echo "describe: $words"
[ -n "$words" ] || fail "describe printed nothing"
"$bin" edit --pose "$pose" --text "put your arms down" --out "$work/edited.json" > "$work/edit.log" 2>&1 || { cat "$work/edit.log"; fail "edit"; }
"$bin" pose info "$work/edited.json" > /dev/null || fail "the edited pose does not read back"
if command -v xvfb-run >/dev/null; then
  HOME=$work xvfb-run -a -s "-screen 0 1280x800x24" "$bin" gui --pose "$pose" --screenshot "$work/shot.png" --no-restore > "$work/gui.log" 2>&1 ||
    { cat "$work/gui.log"; fail "gui --screenshot"; }
  size=$(stat -c %s "$work/shot.png")
  [ "$size" -gt 20000 ] || fail "the screenshot is only $size bytes"
  echo "screenshot: $size bytes"
  [ -n "${UNIPOSE_KEEP_SCREENSHOT:-}" ] && cp "$work/shot.png" "$UNIPOSE_KEEP_SCREENSHOT"
fi
echo "installed layout: ok"
