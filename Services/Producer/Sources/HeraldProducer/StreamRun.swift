import GRPCCore
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Synchronization

/// Consecutive events of one `PublishStream`, handed to the group committer as one submission:
/// every event's answer in request order, where a rejected event already has its error and an
/// accepted one waits for the transaction holding its record.
struct StreamRun: Sendable {
    private enum Answer: Sendable {
        case rejected(Herald_V1_PublishResponse)
        case accepted(id: String, schemaID: Int32)
    }

    private var answers: [Answer] = []
    /// The accepted events' records, in request order.
    private(set) var records: [ProducerRecord] = []
    /// The records' weight in the committer's byte bound.
    private(set) var bytes = 0

    var isEmpty: Bool { answers.isEmpty }

    mutating func reject(id: String, _ error: PublishError) {
        answers.append(.rejected(StreamRun.failure(id: id, error)))
    }

    mutating func accept(id: String, schemaID: Int32, record: ProducerRecord) {
        answers.append(.accepted(id: id, schemaID: schemaID))
        records.append(record)
        bytes += GroupCommitter.bytes(of: record)
    }

    /// Whether `record` may join without the run passing a transaction's bounds (an empty run
    /// takes any record: a bound never makes an event unpublishable).
    func hasRoom(for record: ProducerRecord, maxRecords: Int, maxBytes: Int) -> Bool {
        records.isEmpty || (records.count < maxRecords && bytes + GroupCommitter.bytes(of: record) <= maxBytes)
    }

    /// The answers in request order, given how the transaction holding `records` ended: one report
    /// per record, or the error every accepted event gets.
    func responses(_ outcome: Result<[DeliveryReport], PublishError>) -> [Herald_V1_PublishResponse] {
        if case .success(let reports) = outcome {
            precondition(reports.count == records.count, "one delivery report per record")
        }
        var next = 0
        return answers.map { answer in
            switch answer {
            case .rejected(let response):
                return response
            case .accepted(let id, let schemaID):
                defer { next += 1 }
                switch outcome {
                case .success(let reports):
                    return .with {
                        $0.id = id
                        $0.schemaID = schemaID
                        $0.partition = reports[next].partition
                        $0.offset = reports[next].offset
                    }
                case .failure(let error):
                    return StreamRun.failure(id: id, error)
                }
            }
        }
    }

    static func failure(id: String, _ error: PublishError) -> Herald_V1_PublishResponse {
        .with {
            $0.id = id
            $0.errorCode = Int32(error.code.rawValue)
            $0.errorMessage = error.message
        }
    }
}

/// A run given to the committer: the writer awaits its answers, the committer's reply sets them.
final class SubmittedRun: Sendable {
    private enum State {
        case waiting(CheckedContinuation<[Herald_V1_PublishResponse], Never>?)
        case answered([Herald_V1_PublishResponse])
    }

    private let run: StreamRun
    private let state = Mutex(State.waiting(nil))

    /// A run is answered once: with no records (every event rejected) it already is.
    init(_ run: StreamRun) {
        self.run = run
        if run.records.isEmpty { state.withLock { $0 = .answered(run.responses(.success([]))) } }
    }

    func transactionEnded(_ outcome: Result<[DeliveryReport], PublishError>) {
        let responses = run.responses(outcome)
        let waiter = state.withLock { state -> CheckedContinuation<[Herald_V1_PublishResponse], Never>? in
            guard case .waiting(let waiter) = state else { preconditionFailure("a run's transaction ended twice") }
            state = .answered(responses)
            return waiter
        }
        waiter?.resume(returning: responses)
    }

    /// The answers in request order, once the run's transaction ended.
    var responses: [Herald_V1_PublishResponse] {
        get async {
            if case .answered(let responses) = state.withLock({ $0 }) { return responses }
            return await withCheckedContinuation { continuation in
                let answered = state.withLock { state -> [Herald_V1_PublishResponse]? in
                    switch state {
                    case .answered(let responses): return responses
                    case .waiting: state = .waiting(continuation); return nil
                    }
                }
                if let answered { continuation.resume(returning: answered) }
            }
        }
    }
}
