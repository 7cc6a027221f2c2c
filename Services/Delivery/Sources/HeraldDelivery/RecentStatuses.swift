import HeraldProtos

/// Status records this instance committed, ahead of the status table catching up: a record a
/// batch writes (a redriven task, a retry) may be consumed the moment its commit lands, before
/// the table shows its status. A value; the engine asks it with what the table holds.
struct RecentStatuses {
    private var records: [String: Herald_V1_DeliveryRecord] = [:]
    /// What the table already shows is forgotten once more than this many are remembered.
    private var pruneThreshold = 10_000

    var count: Int { records.count }

    /// The latest status of `id`: this instance's own until the table (`stored`) shows the same.
    mutating func latest(_ id: String, stored: Herald_V1_DeliveryRecord?) -> Herald_V1_DeliveryRecord? {
        guard let mine = records[id] else { return stored }
        if let stored, stored == mine {
            records[id] = nil
            return stored
        }
        return mine
    }

    /// Remembers the statuses a batch writes; past the threshold, forgets those `stored` shows already.
    mutating func remember(_ statuses: [Herald_V1_DeliveryRecord], stored: (String) -> Herald_V1_DeliveryRecord?) {
        for status in statuses { records[status.deliveryID] = status }
        if records.count > pruneThreshold {
            records = records.filter { stored($0.key) != $0.value }
            pruneThreshold = max(10_000, records.count * 2)
        }
    }

    /// Whether `task`'s attempt was already recorded, given its delivery's latest status: the
    /// delivery succeeded, or the status shows more attempts than the task has seen (the outcome
    /// of this one is already committed).
    static func alreadyProcessed(_ task: Herald_V1_DeliveryTask, latest record: Herald_V1_DeliveryRecord?) -> Herald_V1_DeliveryState? {
        guard let record else { return nil }
        if record.state == .succeeded { return .succeeded }
        if record.state != .pending && record.attempts > task.attempt { return record.state }
        return nil
    }
}
