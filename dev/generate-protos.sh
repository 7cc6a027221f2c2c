#!/usr/bin/env bash
# Regenerates Sources/HeraldProtos from Protos/ with Debian's protoc and the two Swift plugins,
# built once (release) into the git-ignored .build-protoc from dev/protoc-plugins.
# Usage: dev/generate-protos.sh [output-dir]   (default: Sources/HeraldProtos)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-Sources/HeraldProtos}"
plugins=".build-protoc/release"

for plugin in protoc-gen-swift protoc-gen-grpc-swift-2; do
  if [ ! -x "$plugins/$plugin" ]; then
    echo "building $plugin (once; a few minutes)…"
    swift build -c release --package-path dev/protoc-plugins --scratch-path .build-protoc --product "$plugin"
  fi
done

# google/protobuf/*.proto come with Debian's libprotobuf-dev.
[ -f /usr/include/google/protobuf/timestamp.proto ] || { echo "missing google/protobuf protos: apt-get install libprotobuf-dev" >&2; exit 1; }

mkdir -p "$out"
out="$(cd "$out" && pwd)"
plugins="$(pwd)/$plugins"
find "$out" -name '*.swift' -delete
mapfile -t protos < <(cd Protos && find . -name '*.proto' | sed 's|^\./||' | sort)
(
  cd Protos
  protoc -I . -I /usr/include \
    --plugin=protoc-gen-swift="$plugins/protoc-gen-swift" \
    --plugin=protoc-gen-grpc-swift-2="$plugins/protoc-gen-grpc-swift-2" \
    --swift_out="$out" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores,UseAccessLevelOnImports=true \
    --grpc-swift-2_out="$out" --grpc-swift-2_opt=Visibility=Public,FileNaming=PathToUnderscores,UseAccessLevelOnImports=true,Client=true,Server=true \
    "${protos[@]}"
)
echo "generated $(find "$out" -name '*.swift' | wc -l) files in $out"
