// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for Herald's parsers, decoders and request handlers (`make fuzz`). A package of
// its own so the fuzz build (every target instrumented with `-sanitize=fuzzer,address`, each
// executable's `main` from libFuzzer) never mixes with the ordinary build. `Linked/` holds symbolic
// links to the very sources the services compile; their targets here name the same dependencies as
// in the root Package.swift, at the same exact versions.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// The products the linked service targets depend on, as the root Package.swift names them.
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let coreMetrics: Target.Dependency = .product(name: "CoreMetrics", package: "swift-metrics")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let grpcCore: Target.Dependency = .product(name: "GRPCCore", package: "grpc-swift-2")
let grpcInProcess: Target.Dependency = .product(name: "GRPCInProcessTransport", package: "grpc-swift-2")
let grpcProtobuf: Target.Dependency = .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf")
let grpcTransport: Target.Dependency = .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport")
let httpTypes: Target.Dependency = .product(name: "HTTPTypes", package: "swift-http-types")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let hummingbirdCore: Target.Dependency = .product(name: "HummingbirdCore", package: "hummingbird")
let hummingbirdTLS: Target.Dependency = .product(name: "HummingbirdTLS", package: "hummingbird")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let nioCertificateReloading: Target.Dependency = .product(name: "NIOCertificateReloading", package: "swift-nio-extras")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioEmbedded: Target.Dependency = .product(name: "NIOEmbedded", package: "swift-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let otel: Target.Dependency = .product(name: "OTel", package: "swift-otel")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let swiftProtobuf: Target.Dependency = .product(name: "SwiftProtobuf", package: "swift-protobuf")
let tracing: Target.Dependency = .product(name: "Tracing", package: "swift-distributed-tracing")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")

let package = Package(
    name: "HeraldFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", exact: "2.9.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        // Hummingbird's own dependency, named for the fuzz targets that build raw requests.
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", exact: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", exact: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .systemLibrary(name: "CAvro", path: "Linked/CAvro", pkgConfig: "avro-c"),
        .target(
            name: "HeraldAvro",
            dependencies: ["CAvro", crypto],
            path: "Linked/HeraldAvro",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HeraldCore",
            dependencies: [crypto],
            path: "Linked/HeraldCore",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CRdKafka", path: "Linked/CRdKafka", pkgConfig: "rdkafka"),
        .target(
            name: "HeraldProtos",
            dependencies: [swiftProtobuf, grpcCore, grpcProtobuf],
            path: "Linked/HeraldProtos",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HeraldKafka",
            dependencies: ["CRdKafka", coreMetrics, logging],
            path: "Linked/HeraldKafka",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HeraldRuntime",
            dependencies: [
                "HeraldAvro", "HeraldCore", "HeraldProtos", "HeraldKafka", swiftProtobuf, argumentParser, grpcCore,
                grpcTransport, grpcProtobuf, hummingbird, hummingbirdCore, hummingbirdTLS, logging, metrics,
                nioCertificateReloading, nioCore, nioSSL, prometheus, otel, serviceLifecycle, tracing, unixSignals,
            ],
            path: "Linked/HeraldRuntime",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HeraldRegistry",
            dependencies: [
                "HeraldAvro", "HeraldCore", "HeraldKafka", "HeraldProtos", "HeraldRuntime", grpcCore, grpcTransport, hummingbird,
                logging, metrics, nioCore, serviceLifecycle, swiftProtobuf,
            ],
            path: "Linked/HeraldRegistry",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CRocksDB", path: "Linked/CRocksDB", pkgConfig: "rocksdb"),
        .target(
            name: "HeraldRouter",
            dependencies: [
                "CRocksDB", "HeraldAvro", "HeraldCore", "HeraldKafka", "HeraldProtos", "HeraldRuntime", crypto, grpcCore,
                logging, metrics, serviceLifecycle, swiftProtobuf, tracing,
            ],
            path: "Linked/HeraldRouter",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HeraldProducer",
            dependencies: [
                "HeraldAvro", "HeraldCore", "HeraldKafka", "HeraldProtos", "HeraldRuntime", grpcCore, grpcTransport,
                logging, metrics, serviceLifecycle, swiftProtobuf, tracing,
            ],
            path: "Linked/HeraldProducer",
            swiftSettings: swiftSettings
        ),
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], swiftSettings: swiftSettings),
        .target(name: "FuzzSchemas", dependencies: ["HeraldAvro"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-avro-binary", dependencies: ["HeraldAvro", "FuzzSupport", "FuzzSchemas"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-avro-json", dependencies: ["HeraldAvro", "FuzzSupport", "FuzzSchemas"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-avro-schema", dependencies: ["HeraldAvro", "FuzzSupport"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-cloudevents", dependencies: ["HeraldCore", "FuzzSupport"], swiftSettings: swiftSettings),
        // The services' request handling, over state held in memory.
        .target(name: "FuzzRegistry", dependencies: ["FuzzSupport", "HeraldAvro", "HeraldRegistry", "HeraldRuntime", logging], swiftSettings: swiftSettings),
        .target(name: "FuzzGRPC", dependencies: ["FuzzSupport", grpcCore, grpcInProcess], swiftSettings: swiftSettings),
        .executableTarget(
            name: "fuzz-registry-rest",
            dependencies: ["FuzzRegistry", "FuzzSupport", "HeraldProtos", "HeraldRegistry", "HeraldRuntime", httpTypes, hummingbird, nioCore, nioEmbedded],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fuzz-event",
            dependencies: [
                "FuzzEncoder", "FuzzRegistry", "FuzzSupport", "HeraldAvro", "HeraldCore", "HeraldKafka", "HeraldProducer", "HeraldProtos",
                "HeraldRegistry", "HeraldRuntime", grpcCore, swiftProtobuf,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fuzz-registry-grpc",
            dependencies: ["FuzzGRPC", "FuzzRegistry", "FuzzSupport", "HeraldProtos", "HeraldRegistry", grpcCore],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FuzzEncoder",
            dependencies: ["FuzzSupport", "HeraldAvro", "HeraldProducer", "HeraldProtos", "HeraldRegistry", "HeraldRuntime", grpcCore, grpcTransport],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fuzz-producer-grpc",
            dependencies: ["FuzzEncoder", "FuzzGRPC", "FuzzRegistry", "FuzzSupport", "HeraldProducer", "HeraldProtos", grpcCore, swiftProtobuf],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fuzz-router-grpc",
            dependencies: ["FuzzGRPC", "FuzzSupport", "HeraldProtos", "HeraldRouter", "HeraldRuntime", grpcCore, swiftProtobuf],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fuzz-keys-grpc",
            dependencies: [
                "FuzzGRPC", "FuzzRegistry", "FuzzSupport", "HeraldCore", "HeraldProtos", "HeraldRegistry", "HeraldRuntime", grpcCore, swiftProtobuf,
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
