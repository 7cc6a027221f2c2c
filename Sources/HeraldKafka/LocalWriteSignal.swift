import Synchronization

/// Connects the producers and consumers made from configurations that share it (by default, every
/// client of the process): when a producer's records become readable — acknowledged, or their
/// transaction committed — the consumers resting caught-up partitions of those topics
/// (`KafkaConfiguration.idleFetchBackoff`) fetch them at once instead of when their rest ends.
///
/// So a record written in this process is read without waiting out a rest: a service waiting to
/// read back its own write, and `herald dev`, where each stage's producer and the next stage's
/// consumer share the process. A record written elsewhere is read when the rest ends.
public final class LocalWriteSignal: Sendable {
    /// The signal every configuration uses unless given another.
    public static let process = LocalWriteSignal()

    private let listeners = Mutex<(next: Int, all: [Int: @Sendable (Set<String>) -> Void])>((0, [:]))

    /// A signal of its own: clients made with it are not woken by, and do not wake, any others.
    public init() {}

    /// Tells every listener that records of `topics` are readable now.
    func announce(_ topics: Set<String>) {
        guard !topics.isEmpty else { return }
        for listener in listeners.withLock({ Array($0.all.values) }) { listener(topics) }
    }

    /// Calls `listener` on each announcement (on the announcing thread: keep it short) until the
    /// returned registration is cancelled.
    func listen(_ listener: @escaping @Sendable (Set<String>) -> Void) -> Registration {
        let id = listeners.withLock { listeners in
            defer { listeners.next += 1 }
            listeners.all[listeners.next] = listener
            return listeners.next
        }
        return Registration(signal: self, id: id)
    }

    /// A listener's place on the signal.
    struct Registration: Sendable {
        fileprivate let signal: LocalWriteSignal
        fileprivate let id: Int

        func cancel() {
            _ = signal.listeners.withLock { $0.all.removeValue(forKey: id) }
        }
    }
}
