public import Foundation

/// One reading of a service's `/metrics` (Prometheus text format), as the overview needs it:
/// sample values by series, and a histogram's cumulative buckets. Parsing is forgiving — a line it
/// cannot read is skipped — since the page only shows figures from it.
public struct MetricsSnapshot: Sendable, Equatable {
    public let time: Date
    /// Each sample line's value by its series exactly as written: `name` or `name{labels}`.
    public let series: [String: Double]

    public init(time: Date, exposition: String) {
        self.time = time
        var series: [String: Double] = [:]
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            // The series ends at the closing brace when there are labels (label values may hold spaces).
            let end = line.firstIndex(of: "}").map { line.index(after: $0) } ?? line.firstIndex(of: " ") ?? line.endIndex
            let name = line[..<end].trimmingCharacters(in: .whitespaces)
            guard let token = line[end...].split(separator: " ").first, let value = Double(token), !name.isEmpty else { continue }
            series[name, default: 0] += value
        }
        self.series = series
    }

    /// Several instances' readings as one: each series adds up across them.
    public init(time: Date, adding parts: [MetricsSnapshot]) {
        self.time = time
        series = parts.reduce(into: [:]) { sum, part in sum.merge(part.series, uniquingKeysWith: +) }
    }

    /// The sum over every label set of metric `name` (a counter or a histogram's `_sum` / `_count`).
    public func total(_ name: String) -> Double? {
        let values = series.filter { $0.key == name || $0.key.hasPrefix(name + "{") }.map(\.value)
        return values.isEmpty ? nil : values.reduce(0, +)
    }

    /// Histogram `name`'s cumulative buckets over every label set, by upper bound ascending
    /// (`+Inf` last).
    public func buckets(_ name: String) -> [Bucket] {
        var counts: [Double: Double] = [:]
        for (key, value) in series where key.hasPrefix(name + "_bucket{") {
            guard let range = key.range(of: #"le=""#), let close = key[range.upperBound...].firstIndex(of: "\"") else { continue }
            let bound = String(key[range.upperBound..<close])
            guard let upper = bound == "+Inf" ? Double.infinity : Double(bound) else { continue }
            counts[upper, default: 0] += value
        }
        return counts.sorted { $0.key < $1.key }.map { Bucket(upperBound: $0.key, count: $0.value) }
    }

    public struct Bucket: Sendable, Equatable {
        public let upperBound: Double
        /// Observations at or below `upperBound` (cumulative).
        public let count: Double

        public init(upperBound: Double, count: Double) {
            self.upperBound = upperBound
            self.count = count
        }
    }
}
