import Foundation

/// Request latency over time as the geometry of a line chart: p50 and p99 of each step of a health
/// window (oldest left), one polyline per series, broken where a step had no request (a step
/// between two empty ones is a level line across its width). The top of
/// the plot is a round value (1, 2 or 5 times a power of ten seconds) at or above the largest p99,
/// so its label reads well. All the arithmetic is here, free of I/O; the console draws it as SVG.
public struct LatencyChart: Sendable, Equatable {
    /// One step's percentiles in seconds; nil for a step without requests.
    public struct Step: Sendable, Equatable {
        public let p50: Double?
        public let p99: Double?

        public init(p50: Double?, p99: Double?) {
            self.p50 = p50
            self.p99 = p99
        }
    }

    /// A series as SVG polylines' `points` ("x,y x,y"), one per run of steps with requests.
    public struct Series: Sendable, Equatable {
        public let name: String
        public let lines: [String]
    }

    public let width: Double
    public let height: Double
    /// Seconds the top of the plot stands for.
    public let scale: Double
    public let series: [Series]
    /// Steps with at least one request.
    public let measured: Int

    /// nil without a single measured step: there is nothing to draw.
    public init?(steps: [Step], width: Double = 720, height: Double = 160) {
        precondition(width > 0 && height > 0)
        let largest = steps.compactMap(\.p99).max() ?? steps.compactMap(\.p50).max()
        guard let largest, !steps.isEmpty else { return nil }
        let scale = Self.roundUp(largest)
        let slot = width / Double(steps.count)
        func lines(_ value: (Step) -> Double?) -> [String] {
            var lines: [String] = [], current: [(x: Double, y: Double)] = []
            func close() {
                // A polyline of one point draws nothing: a step alone is drawn across its width.
                if current.count == 1, let only = current.first { current = [(only.x - slot / 2, only.y), (only.x + slot / 2, only.y)] }
                if !current.isEmpty { lines.append(current.map { Self.format($0.x) + "," + Self.format($0.y) }.joined(separator: " ")) }
                current = []
            }
            for (index, step) in steps.enumerated() {
                guard let seconds = value(step) else {
                    close()
                    continue
                }
                // Each point at its step's middle; y grows downwards in SVG.
                current.append(((Double(index) + 0.5) * slot, height - height * min(seconds, scale) / scale))
            }
            close()
            return lines
        }
        self.width = width
        self.height = height
        self.scale = scale
        self.series = [Series(name: "p50", lines: lines(\.p50)), Series(name: "p99", lines: lines(\.p99))]
        self.measured = steps.filter { $0.p50 != nil }.count
    }

    /// The least of 1, 2 and 5 times a power of ten at or above `value` (a millisecond at least).
    static func roundUp(_ value: Double) -> Double {
        let value = max(value, 0.001)
        var power = pow(10, floor(log10(value)))
        // log10 of an exact power of ten may land a hair below it.
        if power * 10 <= value { power *= 10 }
        for factor in [1.0, 2, 5, 10] where factor * power >= value * (1 - 1e-12) { return factor * power }
        return 10 * power
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
