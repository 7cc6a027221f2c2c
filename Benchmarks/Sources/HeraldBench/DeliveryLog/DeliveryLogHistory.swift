import HeraldCore
import HeraldProtos
import SwiftProtobuf

/// The history `herald-bench delivery-log` fills a log with: `rows` deliveries last updated at
/// even steps over `spanMicros` up to `endMicros`, in update order as a running pipeline writes
/// them, each to one of `endpoints` endpoints, of one of `eventTypes` types from one of `sources`
/// sources, drawn uniformly. States are what a mostly healthy pipeline leaves: per thousand, 10
/// dead, 5 retrying, 3 pending, the rest succeeded. Delivery ids look like the router's (`dlv_`
/// and 32 hex digits, scattered over the key space). Row `i` is always the same delivery, so a
/// filled log can be measured again without refilling it.
struct DeliveryLogHistory: Sendable, Hashable {
    var rows: Int
    var endpoints: Int
    var eventTypes: Int
    var sources: Int
    var endMicros: Int64
    var spanMicros: Int64

    var startMicros: Int64 { endMicros - spanMicros }

    func endpoint(_ number: Int) -> String { "ep-\(number)" }
    func eventType(_ number: Int) -> String { "com.example.bench.t\(number)" }
    func source(_ number: Int) -> String { "/bench/source-\(number)" }

    /// When row `index` was last updated: rows in order, evenly over the span.
    func updatedMicros(_ index: Int) -> Int64 {
        startMicros + Int64((Double(index) / Double(max(rows, 1)) * Double(spanMicros)).rounded(.down))
    }

    /// The part of the history its first `stored` rows cover (what a fill stopped short has
    /// written), to draw filters from. Not for generating rows: those come from the whole history.
    func covered(by stored: Int) -> DeliveryLogHistory {
        var covered = self
        covered.rows = stored
        covered.endMicros = updatedMicros(stored)
        covered.spanMicros = covered.endMicros - startMicros
        return covered
    }

    func record(_ index: Int) -> Herald_V1_DeliveryRecord {
        var generator = SplitMix64(seed: UInt64(index))
        let idHigh = generator.next(), idLow = generator.next(), draw = generator.next()
        let state = Self.state(perMille: Int(draw % 1000))
        let endpointNumber = Int((draw >> 10) % UInt64(endpoints))
        let typeNumber = Int((draw >> 26) % UInt64(eventTypes))
        let sourceNumber = Int((draw >> 42) % UInt64(sources))
        let micros = updatedMicros(index)
        return .with {
            $0.deliveryID = "dlv_" + Self.hex(idHigh) + Self.hex(idLow)
            $0.eventSource = source(sourceNumber)
            $0.eventID = "evt-\(index)"
            $0.eventType = eventType(typeNumber)
            $0.endpointID = endpoint(endpointNumber)
            $0.routeID = "route-\(typeNumber)"
            $0.state = state
            $0.attempts = state == .succeeded ? 1 : 3
            $0.lastStatusCode = state == .succeeded ? 200 : 503
            $0.lastError = state == .succeeded ? "" : "HTTP 503"
            $0.updatedAt = Google_Protobuf_Timestamp(seconds: micros / 1_000_000, nanos: Int32(micros % 1_000_000) * 1000)
            if state == .retrying || state == .pending {
                $0.nextAttemptAt = Google_Protobuf_Timestamp(seconds: micros / 1_000_000 + 30)
            }
        }
    }

    static func state(perMille: Int) -> Herald_V1_DeliveryState {
        switch perMille {
        case ..<10: .dead
        case ..<15: .retrying
        case ..<18: .pending
        default: .succeeded
        }
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
