public import HeraldProtos

/// What a chaos run drives: a pipeline whose parts can be SIGKILLed and restarted, and the one
/// publish call its clients make.
public protocol ChaosTarget: Sendable {
    /// A name for reports (`herald`, `naive`).
    var name: String { get }
    /// SIGKILLs the process playing `role`, waits `downtime`, and starts it again; returns once it is ready.
    func crash(_ role: ChaosRole, downtime: Duration) async throws
    /// One publish call, acknowledged when it returns; throws when it failed (the client retries).
    func publish(_ event: Herald_V1_Event, timeout: Duration) async throws
    /// The last lines each process logged, for a failure report.
    func logTails(lines: Int) -> String
}
