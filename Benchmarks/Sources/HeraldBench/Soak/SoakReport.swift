import Foundation

/// What the soak measured, judged: per service the resident memory over the run and how fast it
/// grew with the number of events after warm-up. Pure, so it is tested on made-up samples.
struct SoakReport: Sendable {
    /// One reading of every service's RSS, with how many events were acknowledged by then.
    struct Sample: Sendable {
        var events: Int
        /// MB (10^6 bytes) by service name.
        var rssMB: [String: Double]
    }

    struct Row: Sendable, Equatable {
        var service: String
        var atWarmUpMB: Double
        var peakMB: Double
        var finalMB: Double
        /// Least-squares slope of RSS over events after warm-up, in MB per million events.
        var slopeMBPerMillion: Double
        var overLimit: Bool
    }

    let rows: [Row]
    let limitMB: Double

    /// - Parameters:
    ///   - services: in the order the table lists them.
    ///   - warmUpEvents: samples before this many events are left out of the slope.
    ///   - limited: the services whose peak must stay at or under `limitMB`.
    init(samples: [Sample], services: [String], warmUpEvents: Int, limitMB: Double, limited: Set<String>) {
        self.limitMB = limitMB
        let steady = samples.filter { $0.events >= warmUpEvents }
        rows = services.map { service in
            let all = samples.compactMap { $0.rssMB[service] }
            let points = steady.compactMap { sample in sample.rssMB[service].map { (Double(sample.events) / 1e6, $0) } }
            let peak = all.max() ?? 0
            return Row(
                service: service, atWarmUpMB: points.first?.1 ?? 0, peakMB: peak, finalMB: all.last ?? 0,
                slopeMBPerMillion: Self.slope(points), overLimit: limited.contains(service) && peak > limitMB)
        }
    }

    var passed: Bool { !rows.contains(where: \.overLimit) }

    /// Least-squares slope of y over x; 0 when x does not vary.
    static func slope(_ points: [(Double, Double)]) -> Double {
        guard points.count >= 2 else { return 0 }
        let n = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.0 } / n
        let meanY = points.reduce(0) { $0 + $1.1 } / n
        let covariance = points.reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
        let variance = points.reduce(0) { $0 + ($1.0 - meanX) * ($1.0 - meanX) }
        return variance == 0 ? 0 : covariance / variance
    }

    /// Markdown table, one row per service.
    var table: String {
        func mb(_ value: Double) -> String { String(format: "%.1f", value) }
        var lines = [
            "| service | RSS after warm-up (MB) | peak RSS (MB) | final RSS (MB) | slope (MB per million events) | limit |",
            "|---|---|---|---|---|---|",
        ]
        for row in rows {
            lines.append("| \(row.service) | \(mb(row.atWarmUpMB)) | \(mb(row.peakMB)) | \(mb(row.finalMB)) | \(String(format: "%+.2f", row.slopeMBPerMillion)) | \(row.overLimit ? "OVER \(mb(limitMB))" : "ok") |")
        }
        return lines.joined(separator: "\n")
    }
}
