import Foundation
import GRPCCore
import HeraldCore
import HeraldKafka
import HeraldProtos
import SwiftProtobuf
import Synchronization

/// `herald.v1.Producer`: validates and encodes each event, then hands its record to the group
/// committer; answers only after the transaction holding it committed.
struct ProducerGRPCService: Herald_V1_Producer.SimpleServiceProtocol {
    let encoder: EventEncoder
    let committer: GroupCommitter
    let topic: String
    let partitionCount: Int
    let partitioner: SharedPartitioner
    /// Responses a stream may have pending before it stops reading requests.
    let streamWindow: Int

    func publish(request: Herald_V1_PublishRequest, context: ServerContext) async throws -> Herald_V1_PublishResponse {
        let encoded = try await encoder.encode(request.event, receivedAt: Date())
        return try await write([encoded])[0]
    }

    func publishBatch(request: Herald_V1_PublishBatchRequest, context: ServerContext) async throws -> Herald_V1_PublishBatchResponse {
        guard !request.events.isEmpty else { throw PublishError(.invalidArgument, "events: the batch is empty") }
        let now = Date()
        var encoded: [EncodedEvent] = []
        encoded.reserveCapacity(request.events.count)
        // All or nothing: every event is checked before any is written.
        for (index, event) in request.events.enumerated() {
            do {
                encoded.append(try await encoder.encode(event, receivedAt: now))
            } catch {
                throw error.at(index: index)
            }
        }
        let results = try await write(encoded)
        return .with { $0.results = results }
    }

    func publishStream(
        request: RPCAsyncSequence<Herald_V1_PublishRequest, any Error>,
        response: RPCWriter<Herald_V1_PublishResponse>,
        context: ServerContext
    ) async throws {
        // Each event is published as soon as it is read (so a stream fills transactions like many
        // callers do); answers are written in request order.
        let window = AsyncWindow(size: streamWindow)
        let (ordered, pending) = AsyncStream.makeStream(of: Task<Herald_V1_PublishResponse, Never>.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { pending.finish() }
                for try await message in request {
                    await window.acquire()
                    pending.yield(Task { await self.answer(message.event) })
                }
            }
            for await answer in ordered {
                let result = await answer.value
                window.release()
                try await response.write(result)
            }
            try await group.waitForAll()
        }
    }

    /// A stream's answer for one event: its result, or the error as `error_code`/`error_message`.
    private func answer(_ event: Herald_V1_Event) async -> Herald_V1_PublishResponse {
        do {
            let encoded = try await encoder.encode(event, receivedAt: Date())
            return try await write([encoded])[0]
        } catch {
            let failure = RPCError(Self.publishError(error))
            return .with {
                $0.id = event.id
                $0.errorCode = Int32(failure.code.rawValue)
                $0.errorMessage = failure.message
            }
        }
    }

    private func write(_ events: [EncodedEvent]) async throws(PublishError) -> [Herald_V1_PublishResponse] {
        let records = partitioner.state.withLock { partitioner in
            events.map { event in
                ProducerRecord(
                    topic: topic,
                    partition: partitioner.partition(for: event.attributes, partitionCount: partitionCount),
                    key: Array(partitioner.recordKey(for: event.attributes).utf8),
                    value: event.value,
                    headers: event.headers)
            }
        }
        let reports: [DeliveryReport]
        do {
            reports = try await committer.publish(records)
        } catch {
            throw Self.publishError(error)
        }
        return zip(events, reports).map { event, report in
            .with {
                $0.id = event.attributes.id
                $0.schemaID = event.schemaID
                $0.partition = report.partition
                $0.offset = report.offset
            }
        }
    }

    private static func publishError(_ error: any Error) -> PublishError {
        if let error = error as? PublishError { return error }
        return PublishError(.unavailable, "nothing was written: \(error)")
    }
}

/// Bounds the answers a stream holds: `acquire` waits while `size` are outstanding.
final class AsyncWindow: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(size: Int) {
        state = Mutex(State(available: max(1, size)))
    }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

/// The partitioner shared by all calls (the adaptive strategy learns from every event).
final class SharedPartitioner: Sendable {
    let state: Mutex<Partitioner>

    init(_ partitioner: Partitioner) {
        state = Mutex(partitioner)
    }
}
