import HeraldProtos
import SwiftProtobuf

/// `herald-bench publish-auth --profile-calls N`: the instructions a unary Publish costs with keys
/// checked or not, repeatable where rates are not. Run under `valgrind --tool=callgrind
/// --dump-before='*PublishAuthProfileO14windowBoundary*'` (as `Benchmarks/profile-publish-auth.sh`
/// does, once per side), it serves warm-up calls, crosses `windowBoundary`, makes exactly N calls and
/// crosses it again: callgrind's second dump holds those N calls (and the time-driven work of the same
/// span) and nothing of the start.
enum PublishAuthProfile {
    static let warmUpCalls = 200

    static func run(_ events: [Herald_V1_Event], port: Int, side: String, calls: Int, callers: Int) async throws {
        try await PublishBenchWork.withProducer(port: port) { producer in
            let round = UInt32.random(in: 0...UInt32.max)
            try await fixedCalls(warmUpCalls, callers: callers) { index in
                var event = events[index % events.count]
                event.id = "profile-warm-up-\(round)-\(index)"
                _ = try await producer.publish(.with { $0.event = event })
            }
            windowBoundary("\(calls) unary Publish calls from \(callers) callers, keys \(side): counting")
            try await fixedCalls(calls, callers: callers) { index in
                var event = events[index % events.count]
                event.id = "profile-\(round)-\(index)"
                _ = try await producer.publish(.with { $0.event = event })
            }
            windowBoundary("\(calls) calls made")
        }
    }

    /// `count` calls shared out among `callers` concurrent tasks (caller k makes calls k, k + callers, …).
    private static func fixedCalls(_ count: Int, callers: Int, _ call: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for caller in 0..<min(callers, count) {
                group.addTask {
                    for index in stride(from: caller, to: count, by: callers) { try await call(index) }
                }
            }
        }
    }

    /// Where callgrind dumps its counters (`--dump-before`): never inlined, so its symbol is entered.
    @inline(never)
    private static func windowBoundary(_ note: String) {
        print("publish-auth profile: \(note)")
    }
}
