// swift-tools-version:6.1
import PackageDescription

// One set of settings for every Herald target (STYLE.md).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "herald", targets: ["HeraldCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
    ],
    targets: [
        // C libraries from Debian (`make deps` installs them).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CAvro",
            pkgConfig: "avro-c",
            providers: [.apt(["libavro-dev"])]
        ),

        // Generated from Protos/ by `make generate`; checked in.
        .target(
            name: "HeraldProtos",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),

        // Avro schemas, codecs, resolution, compatibility and Confluent framing.
        .target(
            name: "HeraldAvro",
            dependencies: [
                "CAvro",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // librdkafka binding: producer, transactional producer, consumer, admin, compacted tables.
        .target(
            name: "HeraldKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "HeraldCLI",
            dependencies: [
                "CRdKafka",
                "CAvro",
                "HeraldKafka",
                .product(name: "Logging", package: "swift-log"),
                "HeraldAvro",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(
            name: "SystemLibrariesTests",
            dependencies: ["CRdKafka", "CAvro"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HeraldAvroTests",
            dependencies: ["HeraldAvro"],
            swiftSettings: swiftSettings
        ),
        // Child process for HeraldKafkaTests' SIGKILL tests (built next to the test bundle).
        .executableTarget(
            name: "HeraldKafkaProbe",
            dependencies: [
                "HeraldKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/HeraldKafkaProbe",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HeraldKafkaTests",
            dependencies: [
                "HeraldKafka",
                "HeraldKafkaProbe",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HeraldProtosTests",
            dependencies: ["HeraldProtos"],
            swiftSettings: swiftSettings
        ),
    ]
)
