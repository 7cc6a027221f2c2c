// swift-tools-version:6.1
// Builds the two protoc plugins that generate Sources/HeraldProtos (`make generate`).
// Kept out of the main package so the services never compile the code generators.
import PackageDescription

let package = Package(
    name: "HeraldProtocPlugins",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    ],
    targets: []
)
