import Foundation

/// The table `herald-bench e2e` prints (and the report quotes): latency percentiles and delivered
/// rate at each fixed rate, Herald beside the baseline, then each side's maximum sustained rate.
enum EndToEndTable {
    static func render(_ results: EndToEndResults) -> String {
        let fixed = results.runs.filter { $0.phase == .fixed }
        var lines = [
            "| offered events/s | Herald p50 / p95 / p99 ms | Herald delivered/s | baseline p50 / p95 / p99 ms | baseline delivered/s |",
            "|---:|---:|---:|---:|---:|",
        ]
        for rate in results.settings.rates {
            let herald = fixed.last { $0.side == .herald && $0.rate == rate }
            let baseline = fixed.last { $0.side == .baseline && $0.rate == rate }
            lines.append("| \(number(rate)) | \(latency(herald)) | \(delivered(herald)) | \(latency(baseline)) | \(delivered(baseline)) |")
        }
        let herald = results.maximumSustained[EndToEndRun.Side.herald.rawValue]
        let baseline = results.maximumSustained[EndToEndRun.Side.baseline.rawValue]
        lines.append("| max sustained | | \(herald.map(number) ?? "—") | | \(baseline.map(number) ?? "—") |")
        lines.append("")
        if let herald, let baseline, baseline > 0 {
            lines.append(String(format: "Herald / baseline maximum sustained rate: %.2f×.", herald / baseline))
        }
        lines.append("Latency runs from each event's scheduled send time (open loop) to its webhook's arrival, so it includes "
            + "queueing. \"behind\": the side did not keep up (delivered < \(Int(SteadyStateVerdict.minimumDeliveredShare * 100)) % "
            + "of offered, or a growing backlog). \(number(results.settings.duration)) s per fixed rate, "
            + "\(number(results.settings.searchDuration)) s per search step, \(results.settings.endpoints) endpoints.")
        return lines.joined(separator: "\n")
    }

    /// The search's steps, in the order measured.
    static func renderSearch(_ results: EndToEndResults) -> String {
        var lines = ["| side | phase | offered events/s | delivered/s | backlog growth events/s | p99 ms | kept up |", "|---|---|---:|---:|---:|---:|---|"]
        for run in results.runs {
            lines.append("| \(run.side.rawValue) | \(run.phase.rawValue) | \(number(run.rate)) | \(number(run.verdict.deliveredRate)) | "
                + "\(number(run.verdict.backlogGrowth)) | \(run.latency.map { decimal($0.p99) } ?? "—") | \(run.verdict.sustained ? "yes" : "no") |")
        }
        return lines.joined(separator: "\n")
    }

    static func latency(_ run: EndToEndRun?) -> String {
        guard let latency = run?.latency else { return "—" }
        return "\(decimal(latency.p50)) / \(decimal(latency.p95)) / \(decimal(latency.p99))"
    }

    static func delivered(_ run: EndToEndRun?) -> String {
        guard let run else { return "—" }
        return number(run.verdict.deliveredRate) + (run.verdict.sustained ? "" : " (behind)")
    }

    /// Whole numbers with thousands separators: 12345.6 → "12,346".
    static func number(_ value: Double) -> String {
        let rounded = Int(value.rounded())
        let digits = String(abs(rounded))
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (rounded < 0 ? "-" : "") + grouped
    }

    /// Milliseconds for a table cell: two decimals below 10, one below 100, none above: 3.14159 → "3.14", 1234.5 → "1,235".
    static func decimal(_ value: Double) -> String {
        if value >= 100 { return number(value) }
        return String(format: value >= 10 ? "%.1f" : "%.2f", value)
    }
}
