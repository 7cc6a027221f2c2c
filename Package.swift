// swift-tools-version:6.1
import PackageDescription

// One set of settings for every Herald target: Swift 6 mode, explicit `any`, imports internal unless marked.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]


// Every Swift target is declared through one of these, so each gets `swiftSettings`.
func library(_ name: String, _ dependencies: [Target.Dependency], path: String? = nil) -> Target {
    .target(name: name, dependencies: dependencies, path: path, swiftSettings: swiftSettings)
}

func executable(_ name: String, _ dependencies: [Target.Dependency], path: String? = nil) -> Target {
    .executableTarget(name: name, dependencies: dependencies, path: path, swiftSettings: swiftSettings)
}

func tests(_ name: String, _ dependencies: [Target.Dependency], path: String? = nil) -> Target {
    .testTarget(name: name, dependencies: dependencies, path: path, swiftSettings: swiftSettings)
}

// The products targets depend on, each named once.
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let asyncHTTPClient: Target.Dependency = .product(name: "AsyncHTTPClient", package: "async-http-client")
let coreMetrics: Target.Dependency = .product(name: "CoreMetrics", package: "swift-metrics")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let grpcCore: Target.Dependency = .product(name: "GRPCCore", package: "grpc-swift-2")
let grpcProtobuf: Target.Dependency = .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf")
let grpcTransport: Target.Dependency = .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport")
let histogram: Target.Dependency = .product(name: "Histogram", package: "hdrhistogram-swift")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let hummingbirdCore: Target.Dependency = .product(name: "HummingbirdCore", package: "hummingbird")
let hummingbirdTLS: Target.Dependency = .product(name: "HummingbirdTLS", package: "hummingbird")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let mustache: Target.Dependency = .product(name: "Mustache", package: "swift-mustache")
let nioCertificateReloading: Target.Dependency = .product(name: "NIOCertificateReloading", package: "swift-nio-extras")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let otel: Target.Dependency = .product(name: "OTel", package: "swift-otel")
let postgresNIO: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let sqliteNIO: Target.Dependency = .product(name: "SQLiteNIO", package: "sqlite-nio")
let swiftProtobuf: Target.Dependency = .product(name: "SwiftProtobuf", package: "swift-protobuf")
let tracing: Target.Dependency = .product(name: "Tracing", package: "swift-distributed-tracing")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "herald", targets: ["HeraldCLI"]),
        .executable(name: "herald-registry", targets: ["herald-registry"]),
        .executable(name: "herald-producer", targets: ["herald-producer"]),
        .executable(name: "herald-router", targets: ["herald-router"]),
        .executable(name: "herald-delivery", targets: ["herald-delivery"]),
        .executable(name: "herald-console", targets: ["herald-console"]),
        .executable(name: "herald-bench", targets: ["HeraldBench"]),
    ],
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
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", exact: "0.2.0"),
        // Both already come with grpc-swift-nio-transport; named here for listener TLS and its reloading.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", exact: "1.7.3"),
        // Span export over OTLP/HTTP only: its client (async-http-client) is already a dependency.
        .package(url: "https://github.com/swift-otel/swift-otel.git", exact: "1.6.0", traits: ["OTLPHTTP"]),
        // The delivery log: embedded SQLite (the amalgamation, built in) by default, PostgreSQL when shared.
        .package(url: "https://github.com/vapor/sqlite-nio.git", exact: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        // The console's server-rendered pages.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
    ],
    targets: [
        // C libraries from Debian (`make deps` installs them); RocksDB is the router's de-duplication store.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CAvro", pkgConfig: "avro-c", providers: [.apt(["libavro-dev"])]),
        .systemLibrary(name: "CRocksDB", pkgConfig: "rocksdb", providers: [.apt(["librocksdb-dev"])]),
        // glibc's malloc tuning, which Swift's Glibc module does not export (HeraldRuntime's MallocSettings).
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        // Generated from Protos/ by `make generate`; checked in.
        library("HeraldProtos", [swiftProtobuf, grpcCore, grpcProtobuf]),

        // Shared service runtime: options, gRPC and HTTP servers as services, health, metrics, logs.
        library("HeraldRuntime", [
            "CMalloc", "HeraldAvro", "HeraldCore", "HeraldProtos", "HeraldKafka", swiftProtobuf, argumentParser, grpcCore,
            grpcTransport, grpcProtobuf, hummingbird, hummingbirdCore, hummingbirdTLS, logging, metrics,
            nioCertificateReloading, nioCore, nioSSL, prometheus, otel, serviceLifecycle, tracing, unixSignals,
        ]),

        // Avro schemas, codecs, resolution, compatibility and Confluent framing.
        library("HeraldAvro", ["CAvro", crypto]),

        // librdkafka binding: producer, transactional producer, consumer, admin, compacted tables.
        library("HeraldKafka", ["CRdKafka", coreMetrics, logging]),

        // Pure domain logic, no I/O: event validation, CloudEvents headers, partitioning, group commit,
        // route matching, the dedupe window and the retry, rate-limit and circuit-breaker policies.
        library("HeraldCore", [crypto]),

        // Services: a library each (so `herald dev` and tests run the very same code) and an executable.
        library("HeraldRegistry", [
            "HeraldAvro", "HeraldCore", "HeraldKafka", "HeraldProtos", "HeraldRuntime", grpcCore, grpcTransport, hummingbird,
            logging, metrics, nioCore, serviceLifecycle, swiftProtobuf,
        ], path: "Services/Registry/Sources/HeraldRegistry"),
        executable("herald-registry", [
            "HeraldRegistry", "HeraldRuntime", "HeraldKafka", argumentParser, logging, serviceLifecycle, unixSignals,
        ], path: "Services/Registry/Sources/RegistryMain"),

        library("HeraldProducer", [
            "HeraldAvro", "HeraldCore", "HeraldKafka", "HeraldProtos", "HeraldRuntime", grpcCore, grpcTransport,
            logging, metrics, serviceLifecycle, swiftProtobuf, tracing,
        ], path: "Services/Producer/Sources/HeraldProducer"),
        executable("herald-producer", [
            "HeraldAvro", "HeraldCore", "HeraldProducer", "HeraldRuntime", argumentParser, logging,
            serviceLifecycle, unixSignals,
        ], path: "Services/Producer/Sources/ProducerMain"),

        library("HeraldDelivery", [
            "HeraldAvro", "HeraldCore", "HeraldKafka", "HeraldProtos", "HeraldRuntime", asyncHTTPClient, crypto,
            grpcCore, grpcTransport, logging, metrics, nioCore, nioHTTP1, nioSSL, postgresNIO, serviceLifecycle,
            sqliteNIO, swiftProtobuf, tracing,
        ], path: "Services/Delivery/Sources/HeraldDelivery"),
        executable("herald-delivery", [
            "HeraldCore", "HeraldDelivery", "HeraldRuntime", argumentParser, logging, serviceLifecycle, unixSignals,
        ], path: "Services/Delivery/Sources/DeliveryMain"),

        library("HeraldRouter", [
            "CRocksDB", "HeraldAvro", "HeraldCore", "HeraldKafka", "HeraldProtos", "HeraldRuntime", crypto, grpcCore,
            logging, metrics, serviceLifecycle, swiftProtobuf, tracing,
        ], path: "Services/Router/Sources/HeraldRouter"),
        executable("herald-router", [
            "HeraldRouter", "HeraldRuntime", argumentParser, logging, serviceLifecycle, unixSignals,
        ], path: "Services/Router/Sources/RouterMain"),

        // The operators' console: server-rendered pages over the services' public gRPC APIs.
        library("HeraldConsole", [
            "HeraldCore", "HeraldProtos", "HeraldRuntime", asyncHTTPClient, crypto, grpcCore, grpcTransport,
            hummingbird, hummingbirdTLS, logging, mustache, nioCore, nioSSL, serviceLifecycle, swiftProtobuf,
        ], path: "Services/Console/Sources/HeraldConsole"),
        executable("herald-console", [
            "HeraldConsole", "HeraldRuntime", argumentParser, logging, serviceLifecycle, unixSignals,
        ], path: "Services/Console/Sources/ConsoleMain"),
        tests("HeraldConsoleTests", [
            "HeraldConsole", "HeraldCore", "HeraldProtos", "HeraldRuntime", "HeraldTestSupport", asyncHTTPClient, grpcCore,
            hummingbird, logging, mustache, nioCore,
        ], path: "Services/Console/Tests/HeraldConsoleTests"),

        // The `herald` tool users install: only what they run (no benchmarks, no test support).
        executable("HeraldCLI", [
            "HeraldAvro", "HeraldCore", "HeraldDelivery", "HeraldKafka", "HeraldProducer", "HeraldProtos", "HeraldRegistry",
            "HeraldConsole", "HeraldRouter", "HeraldRuntime", argumentParser, grpcCore, grpcTransport, hummingbird, logging,
            nioCore, serviceLifecycle, swiftProtobuf, unixSignals,
        ]),
        // `herald-bench`, for development only: every benchmark, the seed scenario and its naive
        // pipeline, and `chaos`, which runs the crash harness the tests run.
        executable("HeraldBench", [
            "HeraldAvro", "HeraldCore", "HeraldDelivery", "HeraldKafka", "HeraldProducer", "HeraldProtos",
            "HeraldRegistry", "HeraldRouter", "HeraldRuntime", "HeraldTestSupport", argumentParser,
            asyncHTTPClient, grpcCore, grpcTransport, grpcProtobuf, histogram, hummingbird, logging, nioCore,
            nioHTTP1, serviceLifecycle, swiftProtobuf,
        ], path: "Benchmarks/Sources/HeraldBench"),
        // The pure parts of the benchmarks (option parsing, pacing, the steady-state judgement).
        tests("HeraldBenchTests", [
            "HeraldBench", "HeraldCore", "HeraldDelivery", "HeraldKafka", "HeraldProtos", argumentParser, swiftProtobuf,
        ], path: "Benchmarks/Tests/HeraldBenchTests"),
        // End to end: `herald schema …` (the built binary) against a registry started in the test process.
        tests("HeraldCLITests", [
            "HeraldCLI", "HeraldCore", "HeraldDelivery", "HeraldProducer", "HeraldRegistry", "HeraldRouter", "HeraldTestSupport",
            "HeraldKafka", "HeraldRuntime", argumentParser,
            asyncHTTPClient, logging, nioCore, nioHTTP1, nioSSL,
        ]),

        tests("SystemLibrariesTests", ["CRdKafka", "CAvro"]),
        tests("HeraldRuntimeTests", [
            "HeraldCore", "HeraldKafka", "HeraldRuntime", "HeraldTestSupport", argumentParser, asyncHTTPClient, logging, metrics,
            nioCore, nioHTTP1, nioSSL, swiftProtobuf, tracing,
        ]),
        tests("HeraldAvroTests", ["HeraldAvro", "HeraldCore"]),
        tests("HeraldCoreTests", ["HeraldCore"]),
        // What integration suites and herald-bench share: Herald executables as child processes,
        // services assembled in-process, a private broker, a webhook receiver, and the crash harness.
        library("HeraldTestSupport", [
            "HeraldCore", "HeraldKafka", "HeraldProducer", "HeraldProtos", "HeraldRegistry", "HeraldRuntime",
            asyncHTTPClient, grpcCore, grpcTransport, hummingbird, logging, nioCore, nioSSL, serviceLifecycle,
            swiftProtobuf,
        ], path: "Tests/HeraldTestSupport"),
        // Live malloc'd bytes for HeraldKafkaTests' memory test (mallinfo2 returns a C struct).
        .target(name: "CHeapStats", path: "Tests/CHeapStats"),
        // Child process for HeraldKafkaTests' SIGKILL tests (built next to the test bundle).
        executable("herald-kafka-probe", ["HeraldKafka", logging], path: "Tests/HeraldKafkaProbe"),
        tests("HeraldKafkaTests", ["CHeapStats", "HeraldKafka", "HeraldTestSupport", "herald-kafka-probe", logging]),
        tests("HeraldRegistryTests", [
            "HeraldTestSupport", "HeraldAvro", "HeraldCore", "HeraldRegistry", "HeraldRuntime", "HeraldKafka", "HeraldProtos",
            "herald-registry", asyncHTTPClient, grpcCore, grpcTransport, logging, nioCore, nioHTTP1,
            serviceLifecycle, swiftProtobuf,
        ], path: "Services/Registry/Tests/HeraldRegistryTests"),
        tests("HeraldProducerTests", [
            "HeraldAvro", "HeraldCore", "HeraldKafka", "HeraldProducer", "HeraldProtos", "HeraldRegistry",
            "HeraldRuntime", "HeraldTestSupport", "herald-producer", grpcCore, grpcTransport, logging,
            serviceLifecycle, swiftProtobuf,
        ], path: "Services/Producer/Tests/HeraldProducerTests"),
        tests("HeraldDeliveryTests", [
            "HeraldTestSupport", "HeraldAvro", "HeraldCore", "HeraldDelivery", "HeraldKafka", "HeraldProtos",
            "HeraldRegistry", "HeraldRuntime", "herald-delivery",
            // `herald endpoint|deliveries|sink` are tested through the built binary.
            "HeraldCLI",
            asyncHTTPClient, crypto, grpcCore, grpcTransport, hummingbird, logging, nioCore, nioHTTP1,
            serviceLifecycle, swiftProtobuf,
        ], path: "Services/Delivery/Tests/HeraldDeliveryTests"),
        tests("HeraldRouterTests", [
            "HeraldTestSupport", "HeraldAvro", "HeraldCore", "HeraldKafka", "HeraldProtos", "HeraldRouter",
            "HeraldRuntime", "herald-router", grpcCore, grpcTransport, logging, serviceLifecycle, swiftProtobuf,
        ], path: "Services/Router/Tests/HeraldRouterTests"),
        tests("HeraldE2ETests", [
            "HeraldKafka", "HeraldProtos", "HeraldTestSupport", "herald-delivery", "herald-producer",
            "herald-registry", "herald-router", crypto, grpcCore, grpcTransport, logging, swiftProtobuf,
        ]),
        tests("HeraldProtosTests", ["HeraldProtos"]),
    ]
)
