public import ArgumentParser

/// `--malloc-arenas` and `--malloc-trim-interval-ms`, shared by every service and `herald dev`
/// through `CommonOptions`; `ServiceCommand` applies them before anything else runs.
public struct MallocOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("malloc-arenas"), help: """
        Most glibc malloc arenas (M_ARENA_MAX), set at start; 0 leaves glibc's default of eight per core, where \
        each of the service's many threads may come to hold its own mostly free 64 MiB heap. Env: HERALD_MALLOC_ARENAS.
        """)
    public var arenas = HeraldEnvironment.int("malloc-arenas", default: 2)

    @Option(name: .customLong("malloc-trim-interval-ms"), help: """
        How often, in ms, free malloc pages go back to the system (malloc_trim); 0: never. Env: HERALD_MALLOC_TRIM_INTERVAL_MS.
        """)
    public var trimIntervalMS = HeraldEnvironment.int("malloc-trim-interval-ms", default: 10_000)

    public init() {}

    public func validate() throws {
        guard (0...1024).contains(arenas) else { throw ValidationError("--malloc-arenas must be between 0 and 1024") }
        guard trimIntervalMS >= 0 else { throw ValidationError("--malloc-trim-interval-ms must be at least 0") }
    }

    /// The settings these options give.
    public var settings: MallocSettings {
        MallocSettings(arenas: arenas, trimInterval: trimIntervalMS > 0 ? .milliseconds(trimIntervalMS) : nil)
    }
}
