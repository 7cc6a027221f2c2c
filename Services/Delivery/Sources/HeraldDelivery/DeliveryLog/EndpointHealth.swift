import HeraldCore
import HeraldProtos

/// An endpoint's health over a window from its attempt counts and durations (pure): which
/// duration ranks to read for the percentiles, and the answer they make.
struct EndpointHealth: Sendable, Hashable {
    var attempts: Int64
    var succeeded: Int64
    /// Attempts that made a request (the ones with a duration).
    var timed: Int64

    /// The 0-based rank (shortest first) of the nearest-rank percentile among `timed` durations; nil without any.
    static func rank(percentile: Double, of count: Int64) -> Int? {
        guard count > 0 else { return nil }
        let rank = Int64((percentile / 100 * Double(count)).rounded(.up))
        return Int(min(max(rank, 1), count) - 1)
    }

    var successRate: Double { attempts == 0 ? 0 : Double(succeeded) / Double(attempts) }

    static func circuit(_ state: CircuitBreaker.State?) -> Herald_V1_CircuitState {
        switch state {
        case nil, .some(.closed): .closed
        case .some(.open): .open
        case .some(.halfOpen): .halfOpen
        }
    }
}
