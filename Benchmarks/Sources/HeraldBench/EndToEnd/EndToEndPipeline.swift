import HeraldDelivery

/// A way from a publisher to the webhook receiver: Herald's four services, or the bare transport
/// they are measured against. Both stay up for all of their side's runs.
protocol EndToEndPipeline: Sendable {
    var side: EndToEndRun.Side { get }

    /// Publishes `events` by `schedule` from `start` (open loop), counting each hand-over in `sent`.
    /// Returns how many events the pipeline rejected.
    func publish(_ events: BenchEvents, schedule: PacedSchedule, start: ContinuousClock.Instant, sent: SendCounter) async throws -> Int

    /// Why the pipeline can no longer deliver, if it broke down in the background.
    var failure: String? { get }

    /// Stops everything it started.
    func stop() async
}

/// What both pipelines are given: where to deliver and how.
struct EndToEndTarget: Sendable {
    let receiverURL: String
    let secret: String
    let endpoints: Int
    /// Requests in flight per endpoint (Herald's per-endpoint limit; the baseline allows endpoints × this).
    let concurrency: Int
    let partitions: Int
}
