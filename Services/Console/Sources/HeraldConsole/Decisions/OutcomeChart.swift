public import Foundation

/// Deliveries per minute by outcome as the geometry of a stacked bar chart: one bar per minute of
/// the window (oldest left), its segments stacked succeeded, retrying, dead from the baseline. The
/// console draws it as inline SVG; all the arithmetic is here, free of I/O.
public struct OutcomeChart: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        case succeeded, retrying, dead
    }

    public struct Segment: Sendable, Equatable {
        public let outcome: String
        public let y: Double
        public let height: Double
        public let count: Int
    }

    public struct Bar: Sendable, Equatable {
        public let x: Double
        public let width: Double
        /// Minutes before the window's end, for the bar's tooltip.
        public let minutesAgo: Int
        public let segments: [Segment]
    }

    public let width: Double
    public let height: Double
    public let bars: [Bar]
    /// The count the top of the plot stands for (at least 1, so an empty chart has a scale).
    public let scale: Int
    public let total: Int

    /// - Parameters:
    ///   - events: each delivery's update time and outcome; those outside the window are ignored.
    ///   - end: the window's end (now); it covers the `minutes` minutes before.
    public init(events: [(at: Date, outcome: Outcome)], end: Date, minutes: Int, width: Double = 720, height: Double = 160) {
        precondition(minutes > 0 && width > 0 && height > 0)
        var counts = Array(repeating: [Outcome: Int](), count: minutes)
        var total = 0
        for event in events {
            let age = end.timeIntervalSince(event.at)
            guard age >= 0, age < Double(minutes) * 60 else { continue }
            let index = minutes - 1 - Int(age / 60)
            counts[index][event.outcome, default: 0] += 1
            total += 1
        }
        let scale = max(1, counts.map { $0.values.reduce(0, +) }.max() ?? 0)
        let slot = width / Double(minutes)
        // A gap between bars keeps neighbouring minutes apart; at least one pixel of bar remains.
        let barWidth = max(1, slot * 0.8)
        bars = counts.enumerated().map { index, minute in
            var top = height
            var segments: [Segment] = []
            for outcome in Outcome.allCases {
                let count = minute[outcome, default: 0]
                guard count > 0 else { continue }
                let segmentHeight = height * Double(count) / Double(scale)
                top -= segmentHeight
                segments.append(Segment(outcome: outcome.rawValue, y: top, height: segmentHeight, count: count))
            }
            return Bar(x: Double(index) * slot + (slot - barWidth) / 2, width: barWidth, minutesAgo: minutes - 1 - index, segments: segments)
        }
        self.width = width
        self.height = height
        self.scale = scale
        self.total = total
    }
}
