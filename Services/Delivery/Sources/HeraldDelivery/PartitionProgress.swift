import HeraldKafka

/// Where one assigned partition of the deliveries or retry topics stands: what was taken, what is
/// in flight, and which offset may be committed (a value: the engine carries out what it says).
struct PartitionProgress {
    /// Tells this assignment of the partition from earlier ones, so that a send taken under an
    /// earlier one (whose revocation was not acknowledged in time) finishing late changes nothing here.
    let generation: UInt64
    var inFlight: Set<Int64> = []
    /// Offset after the last message taken.
    var next: Int64?
    private(set) var committed: Int64?
    var held: DeliveryEngine.Held?
    /// Revoked: no more records are taken, and the partition is handed on once its sends in
    /// flight have finished and their outcomes and its final offset are committed.
    var revoked = false
    /// The lowest offset of a task dropped at revocation without an attempt: the committed
    /// offset stays at or below it, so the next owner reads the task again.
    private(set) var dropped: Int64?

    init(generation: UInt64) {
        self.generation = generation
    }

    /// The lowest offset still in flight, held or dropped, else the offset after the last taken record.
    var committable: Int64? {
        switch (inFlight.min(), dropped) {
        case (let a?, let b?): min(a, b)
        case (let a?, nil): a
        case (nil, let b?): b
        case (nil, nil): next
        }
    }

    /// The offset the next transaction commits, when it moved since the last one (then counted as committed).
    mutating func takeCommittable() -> Int64? {
        guard let committable, committable != committed else { return nil }
        committed = committable
        return committable
    }

    /// A task of `offset` given up without an attempt (revocation): the next owner reads it again.
    mutating func drop(_ offset: Int64) {
        inFlight.remove(offset)
        dropped = min(dropped ?? offset, offset)
    }

    /// Revoked with nothing in flight: the partition leaves this instance with the next commit.
    var isHandedOn: Bool { revoked && inFlight.isEmpty }
}
