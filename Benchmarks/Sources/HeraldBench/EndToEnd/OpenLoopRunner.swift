import Histogram
import Synchronization

/// Runs one open-loop measurement on a pipeline: publishes a schedule while sampling offered,
/// sent and delivered counts every 100 ms, waits for the backlog to drain (up to a deadline), then
/// computes each event's latency from its scheduled send time and judges whether the pipeline
/// kept up.
struct OpenLoopRunner: Sendable {
    let receiver: BenchWebhookReceiver
    let endpoints: Int
    /// Seconds at the start of each run left out of the steady-state judgement.
    let warmup: Double
    /// How long after the last scheduled send the backlog may take to drain.
    let drainTimeout: Duration
    /// Distinguishes this invocation's event ids from any earlier run's on the same broker.
    let nonce: UInt32

    static let sampleInterval = Duration.milliseconds(100)

    func run(_ pipeline: any EndToEndPipeline, rate: Double, seconds: Double, phase: EndToEndRun.Phase, number: Int,
             drainTimeout: Duration? = nil) async throws -> EndToEndRun {
        let schedule = PacedSchedule(rate: rate, duration: seconds)
        let events = BenchEvents(prefix: "e2e-\(nonce)-\(pipeline.side.rawValue)-\(number)-", endpoints: endpoints)
        receiver.begin(runPrefix: events.prefix, count: schedule.count)
        let sent = SendCounter()
        let start = ContinuousClock.now + .milliseconds(50)
        let publishing = Task { try await pipeline.publish(events, schedule: schedule, start: start, sent: sent) }
        let publishEnd = start + schedule.span
        let deadline = publishEnd + (drainTimeout ?? self.drainTimeout)

        var samples: [ThroughputSample] = []
        while true {
            let now = ContinuousClock.now
            let delivered = receiver.delivered
            samples.append(ThroughputSample(seconds: Self.seconds(now - start), offered: schedule.dueCount(after: now - start),
                                            sent: sent.count, delivered: delivered))
            if delivered >= schedule.count || now >= deadline || pipeline.failure != nil { break }
            try await Task.sleep(for: Self.sampleInterval)
        }
        if let failure = pipeline.failure {
            publishing.cancel()
            throw BenchFailure(description: failure)
        }
        let rejected = try await publishing.value
        let tally = receiver.snapshot()
        guard tally.badSignatures == 0 else {
            throw BenchFailure(description: "\(tally.badSignatures) webhooks of the \(pipeline.side.rawValue) run at \(rate)/s failed signature verification")
        }

        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        var lastArrival = start
        for (index, arrival) in tally.arrivals.enumerated() {
            guard let arrival else { continue }
            lastArrival = max(lastArrival, arrival)
            let latency = arrival - (start + schedule.offset(of: index))
            _ = histogram.record(UInt64(max(0, Self.seconds(latency) * 1_000_000).rounded()))
        }
        let drained = tally.webhookIDs.count >= schedule.count
        let end = Self.seconds(schedule.span)
        let window = (end - warmup >= 1 ? warmup : 0)...end
        return EndToEndRun(
            side: pipeline.side, phase: phase, rate: rate, seconds: seconds, events: schedule.count,
            delivered: tally.webhookIDs.count, repeats: tally.repeats, publishErrors: rejected,
            latency: LatencySummary(microseconds: histogram),
            verdict: SteadyStateVerdict.judge(samples, rate: rate, window: window, drained: drained && rejected == 0),
            drained: drained, drainSeconds: Self.seconds((drained ? lastArrival : deadline) - publishEnd),
            timeline: samples, histogram: LatencyBucket.buckets(microseconds: histogram))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
