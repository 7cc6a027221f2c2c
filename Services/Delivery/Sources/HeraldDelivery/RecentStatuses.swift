import HeraldProtos

/// Status records this instance committed, ahead of the status table and the delivery log
/// catching up: a record a batch writes (a redriven task, a retry) may be consumed the moment its
/// commit lands, before either shows its status. A value; the engine asks it with what the table holds.
struct RecentStatuses {
    private var records: [String: Herald_V1_DeliveryRecord] = [:]
    /// Past this many remembered, those no longer needed are forgotten.
    private var pruneThreshold = 10_000

    var count: Int { records.count }

    /// Whether the status table holds `record`: only deliveries still in progress are kept in
    /// memory; a finished one (succeeded or dead) is read from the delivery log, so the table stays
    /// as large as the work in progress, not as the history.
    static func inProgress(_ record: Herald_V1_DeliveryRecord) -> Bool {
        record.state == .pending || record.state == .retrying
    }

    /// The latest status of `id`: this instance's own until the table (`stored`) shows the same.
    mutating func latest(_ id: String, stored: Herald_V1_DeliveryRecord?) -> Herald_V1_DeliveryRecord? {
        guard let mine = records[id] else { return stored }
        if let stored, stored == mine {
            records[id] = nil
            return stored
        }
        return mine
    }

    /// Remembers the statuses a batch writes. Past the threshold it forgets those the table
    /// (`stored`) shows already, and the finished ones of earlier batches: the table never holds
    /// those, and the delivery log, which answers for them, lags by far less than a threshold's statuses.
    mutating func remember(_ statuses: [Herald_V1_DeliveryRecord], stored: (String) -> Herald_V1_DeliveryRecord?) {
        for status in statuses { records[status.deliveryID] = status }
        if records.count > pruneThreshold {
            let batch = Set(statuses.map(\.deliveryID))
            records = records.filter { batch.contains($0.key) || (Self.inProgress($0.value) && stored($0.key) != $0.value) }
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
