import CMalloc
public import ServiceLifecycle

/// How a service's glibc malloc keeps its resident memory bounded (`--malloc-arenas`,
/// `--malloc-trim-interval-ms`).
///
/// glibc gives each thread that meets a locked arena a new one, up to eight per core, and an
/// arena keeps the pages its freed blocks leave behind: a service with dozens of threads (the
/// NIO event loops, librdkafka's broker threads, Swift's pool) holds several mostly free 64 MiB
/// heaps at once, and its resident memory follows the busiest moment of its past rather than
/// its live data. Few arenas, and giving free pages back now and then, keep it near the live data.
public struct MallocSettings: Sendable, Equatable {
    /// Most arenas (`M_ARENA_MAX`); 0 leaves glibc's default (eight per core).
    public var arenas: Int
    /// How often free pages of every arena go back to the system (`malloc_trim`); `nil` never.
    public var trimInterval: Duration?

    public init(arenas: Int, trimInterval: Duration?) {
        self.arenas = arenas
        self.trimInterval = trimInterval
    }

    /// Applies the arena limit to this process. Call it first thing at start: an arena made
    /// before stays (the limit only stops new ones).
    public func apply() {
        if arenas > 0 { _ = mallopt(M_ARENA_MAX, Int32(clamping: arenas)) }
    }

    /// The service giving free pages back every `trimInterval`: none when it is `nil`.
    public var services: [any Service] {
        trimInterval.map { [MallocTrim(interval: $0)] } ?? []
    }
}

/// Gives every arena's free pages back to the system every `interval` until graceful shutdown.
/// glibc returns only the free top of a heap by itself; `malloc_trim` also releases free pages
/// between live blocks.
struct MallocTrim: Service {
    let interval: Duration

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: interval)
                _ = malloc_trim(0)
            }
        }
    }
}
