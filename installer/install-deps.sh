#!/usr/bin/env bash
# Installs the Debian 12 packages UniPose Studio builds and runs with. Idempotent: when everything is
# already installed it only checks and returns (no apt-get at all).
set -euo pipefail

PACKAGES=(
  cmake g++ make pkg-config
  libtorch-dev libopenblas0-pthread   # LibTorch 1.13 (CPU); without OpenBLAS it is ~50x slower
  libeigen3-dev nlohmann-json3-dev libcli11-dev libminizip-dev zlib1g-dev libssl-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev   # photos: decoding, EXIF, crops (OpenCV)
  libassimp-dev assimp-testmodels     # mesh export; CMU BVH clips used by tests and the corpus
  libgtest-dev libbenchmark-dev
  libgloo-dev                         # headers of the Gloo backend of c10d (multi-process training)
  libstemmer-dev wordnet-base         # METEOR's stem and synonym matching (Snowball Porter stemmer, WordNet 3.0)
  libsentencepiece-dev sentencepiece  # the language model's text tokenizer (module, see core/text/spm; spm_train)
  qt6-base-dev qt6-3d-dev libqt6opengl6-dev libxkbcommon-dev   # the desktop application (Qt 6 + Qt3D)
  fonts-dejavu-core libgl1-mesa-dri                            # text and OpenGL (Mesa) for the window
  xvfb xauth                                                   # GUI tests and screenshots without a desktop
  poppler-utils                                                # pdftoppm: tests render the coach report PDF
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root to install: ${missing[*]} (run as root, or install sudo)" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
