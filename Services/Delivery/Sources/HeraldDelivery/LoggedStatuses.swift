import HeraldProtos

/// What the delivery log answered, in one query, for the deliveries of a batch of consumed tasks
/// whose status memory did not know. One read per batch instead of one per task: each read is a
/// hop to SQLite's thread and back, and taken one task at a time those hops bounded intake. A value.
struct LoggedStatuses: Sendable {
    private let asked: Set<String>
    private let found: [String: Herald_V1_DeliveryRecord]

    /// Nothing asked: every task's status is read on its own.
    static let none = LoggedStatuses(asked: [], found: [])

    init(asked: Set<String>, found: [Herald_V1_DeliveryRecord]) {
        self.asked = asked
        self.found = Dictionary(found.map { ($0.deliveryID, $0) }) { first, _ in first }
    }

    /// The log's answer for `id`: `.answered(nil)` when it was asked and the log has no such
    /// delivery, `.notAsked` when this batch's query did not include it.
    func answer(for id: String) -> Answer {
        guard asked.contains(id) else { return .notAsked }
        return .answered(found[id])
    }

    enum Answer: Equatable {
        case answered(Herald_V1_DeliveryRecord?)
        case notAsked
    }
}
