#!/usr/bin/env bash
# Lays Debian's LibTorch out in DEST as a LibTorch zip or a pip install's
# torch folder is laid out (include/, lib/, share/cmake/Torch), from links
# to Debian's files and patched copies of its CMake config (Debian splits
# them between /usr/include, /usr/lib/x86_64-linux-gnu and its cmake/
# folder). CI builds against it with SDBENCH_LIBTORCH (Bazel) and
# CMAKE_PREFIX_PATH (CMake), so both builds are known to work with a
# LibTorch that is not Debian's, rpath included.
#
#   tools/make_libtorch_root.sh DEST
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: tools/make_libtorch_root.sh DEST" >&2; exit 2; }
dest="$1"
arch_lib=/usr/lib/x86_64-linux-gnu
[ -f "$arch_lib/libtorch_cpu.so" ] || { echo "make_libtorch_root.sh: Debian's libtorch-dev is not installed" >&2; exit 1; }

rm -rf "$dest"
mkdir -p "$dest/include" "$dest/lib" "$dest/share/cmake"
for dir in ATen c10 caffe2 torch; do ln -s "/usr/include/$dir" "$dest/include/$dir"; done
for lib in "$arch_lib"/libtorch*.so* "$arch_lib"/libc10*.so*; do ln -s "$lib" "$dest/lib/"; done
for package in Torch Caffe2 ATen; do cp -r "$arch_lib/cmake/$package" "$dest/share/cmake/"; done
# Debian's configs sit one folder deeper (lib/x86_64-linux-gnu/cmake/X) than
# a zip's (share/cmake/X), and name the libraries beside themselves.
sed -i 's|/../../../../" ABSOLUTE|/../../../" ABSOLUTE|' \
  "$dest/share/cmake/Torch/TorchConfig.cmake" "$dest/share/cmake/Caffe2/Caffe2Config.cmake"
sed -i 's|${_IMPORT_PREFIX}/x86_64-linux-gnu/|${_IMPORT_PREFIX}/lib/|g; s|${_IMPORT_PREFIX}/../include|${_IMPORT_PREFIX}/include|g' \
  "$dest/share/cmake/Caffe2/"Caffe2Targets*.cmake
sed -i "s|/usr/include/ATen|$dest/include/ATen|" "$dest/share/cmake/ATen/ATenConfig.cmake"
echo "make_libtorch_root.sh: Debian's LibTorch laid out like a zip in $dest"
