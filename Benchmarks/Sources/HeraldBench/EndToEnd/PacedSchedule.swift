/// Open-loop send times: event `i` is due `i / rate` seconds after the start, whatever happened to
/// the sends before it. Latency is measured from these times, not from when a send actually went
/// out, so a stalled pipeline that holds the publisher back still shows its stall (no coordinated
/// omission).
struct PacedSchedule: Sendable, Hashable {
    /// Events per second.
    let rate: Double
    /// Events in the run.
    let count: Int

    init(rate: Double, duration: Double) {
        precondition(rate > 0 && duration > 0, "rate and duration must be positive")
        self.rate = rate
        self.count = max(1, Int((rate * duration).rounded()))
    }

    /// When event `index` is due, after the start.
    func offset(of index: Int) -> Duration {
        .nanoseconds(Int64((Double(index) * 1e9 / rate).rounded(.down)))
    }

    /// How many events are due `elapsed` after the start: every `index` with `offset(of: index) <= elapsed`.
    func dueCount(after elapsed: Duration) -> Int {
        guard elapsed >= .zero else { return 0 }
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        var next = Int((nanoseconds * rate / 1e9).rounded(.down))  // first index not yet due, approximately
        // Settle rounding at the boundary so the answer agrees with `offset(of:)` exactly.
        while next > 0, offset(of: next - 1) > elapsed { next -= 1 }
        while next < count, offset(of: next) <= elapsed { next += 1 }
        return min(count, next)
    }

    /// How long sending the whole schedule takes.
    var span: Duration { offset(of: count - 1) }
}
