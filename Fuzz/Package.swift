// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for Herald's parsers and decoders (`make fuzz`). A package of its own so the
// fuzz build (every target instrumented with `-sanitize=fuzzer,address`, each executable's `main`
// from libFuzzer) never mixes with the ordinary build. `Linked/` holds symbolic links to the very
// sources the services compile.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "HeraldFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
    ],
    targets: [
        .systemLibrary(name: "CAvro", path: "Linked/CAvro", pkgConfig: "avro-c"),
        .target(
            name: "HeraldAvro",
            dependencies: ["CAvro", .product(name: "Crypto", package: "swift-crypto")],
            path: "Linked/HeraldAvro",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HeraldCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Linked/HeraldCore",
            swiftSettings: swiftSettings
        ),
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], swiftSettings: swiftSettings),
        .target(name: "FuzzSchemas", dependencies: ["HeraldAvro"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-avro-binary", dependencies: ["HeraldAvro", "FuzzSupport", "FuzzSchemas"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-avro-json", dependencies: ["HeraldAvro", "FuzzSupport", "FuzzSchemas"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-avro-schema", dependencies: ["HeraldAvro", "FuzzSupport"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-cloudevents", dependencies: ["HeraldCore", "FuzzSupport"], swiftSettings: swiftSettings),
    ]
)
