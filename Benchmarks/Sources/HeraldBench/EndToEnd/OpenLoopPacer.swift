import Synchronization

/// Events the publisher has handed to the pipeline so far, read by the sampler while it publishes.
final class SendCounter: Sendable {
    private let value = Atomic<Int>(0)

    func increment() { value.wrappingAdd(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

/// Sends a schedule's events at their times: it sleeps until the next one is due, then sends every
/// event that is due by now (a late wake-up or a slow send makes a burst, never a skip). Nothing
/// waits for an event to be delivered before the next is sent.
enum OpenLoopPacer {
    static func run(
        _ schedule: PacedSchedule, start: ContinuousClock.Instant, sent: SendCounter, send: (Int) async throws -> Void
    ) async throws {
        var next = 0
        while next < schedule.count {
            let due = schedule.dueCount(after: .now - start)
            guard next < due else {
                try await Task.sleep(until: start + schedule.offset(of: next), clock: .continuous)
                continue
            }
            while next < due {
                try await send(next)
                next += 1
                sent.increment()
            }
        }
    }
}

/// The events of one run: ids `<prefix><index>`, spread over one source per endpoint so each event
/// matches exactly one route and reaches exactly one endpoint.
struct BenchEvents: Sendable {
    static let type = "com.example.order.shipped"
    static let schemaSubject = "herald-bench-e2e-orders-value"
    static let schema = #"{"type":"record","name":"OrderShipped","namespace":"com.example","fields":[{"name":"order_id","type":"string"},{"name":"items","type":"int"}]}"#

    let prefix: String
    let endpoints: Int

    static func source(endpoint: Int) -> String { "/bench/shop-\(endpoint)" }
    static func endpointID(_ endpoint: Int) -> String { "bench-e2e-\(endpoint)" }

    func id(_ index: Int) -> String { "\(prefix)\(index)" }
    func endpoint(_ index: Int) -> Int { index % endpoints }
    func source(_ index: Int) -> String { Self.source(endpoint: endpoint(index)) }
    func subject(_ index: Int) -> String { "order-\(index)" }
    func dataJSON(_ index: Int) -> String { #"{"order_id":"order-\#(index)","items":\#(index % 7)}"# }
}
