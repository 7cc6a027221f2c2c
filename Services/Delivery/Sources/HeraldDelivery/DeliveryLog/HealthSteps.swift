import HeraldProtos
import SwiftProtobuf

/// A health window cut into steps of equal length (pure): each step's requests and their
/// nearest-rank p50 and p99 durations, oldest step first, empty steps included so a chart shows
/// the gaps.
struct HealthSteps: Sendable, Hashable {
    /// At most this many steps a window: a chart has no use for more points than a screen has pixels.
    static let maxSteps = 1440

    let sinceMicros: Int64
    let stepMicros: Int64
    let count: Int

    /// nil when `stepMicros` is under a second or cuts `windowMicros` into more than `maxSteps`.
    init?(sinceMicros: Int64, windowMicros: Int64, stepMicros: Int64) {
        guard stepMicros >= 1_000_000, windowMicros > 0 else { return nil }
        let count = (windowMicros + stepMicros - 1) / stepMicros
        guard count <= Self.maxSteps else { return nil }
        self.sinceMicros = sinceMicros
        self.stepMicros = stepMicros
        self.count = Int(count)
    }

    /// `samples`: (attempt time, request duration) in microseconds; those outside the window are ignored.
    func steps(_ samples: [(attemptedMicros: Int64, durationMicros: Int64)]) -> [Herald_V1_HealthStep] {
        var durations = Array(repeating: [Int64](), count: count)
        for sample in samples where sample.attemptedMicros >= sinceMicros {
            let index = Int((sample.attemptedMicros - sinceMicros) / stepMicros)
            if index < count { durations[index].append(sample.durationMicros) }
        }
        return durations.enumerated().map { index, values in
            var step = Herald_V1_HealthStep()
            step.start = DeliveryLogRows.timestamp(sinceMicros + Int64(index) * stepMicros)
            step.requests = Int64(values.count)
            let sorted = values.sorted()
            if let p50 = EndpointHealth.rank(percentile: 50, of: Int64(sorted.count)) { step.p50Duration = Self.duration(sorted[p50]) }
            if let p99 = EndpointHealth.rank(percentile: 99, of: Int64(sorted.count)) { step.p99Duration = Self.duration(sorted[p99]) }
            return step
        }
    }

    static func duration(_ micros: Int64) -> Google_Protobuf_Duration {
        Google_Protobuf_Duration(seconds: micros / 1_000_000, nanos: Int32(micros % 1_000_000) * 1000)
    }
}
