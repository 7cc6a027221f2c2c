import Foundation
import GRPCCore
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRuntime
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// `herald.v1.Producer`: validates and encodes each event, then hands its record to the group
/// committer; answers only after the transaction holding it committed.
struct ProducerGRPCService: Herald_V1_Producer.SimpleServiceProtocol {
    let encoder: EventEncoder
    let committer: any RecordCommitter
    let topic: String
    let partitionCount: Int
    let partitioner: SharedPartitioner
    /// Responses a stream may have pending before it stops reading requests.
    let streamWindow: Int

    func publish(request: Herald_V1_PublishRequest, context: ServerContext) async throws -> Herald_V1_PublishResponse {
        try PublishPermission.check(request.event, as: CallerPrincipal.current)
        let encoded = try await encoder.encode(request.event, receivedAt: Date())
        return try await write([encoded])[0]
    }

    func publishBatch(request: Herald_V1_PublishBatchRequest, context: ServerContext) async throws -> Herald_V1_PublishBatchResponse {
        guard !request.events.isEmpty else { throw PublishError(.invalidArgument, "events: the batch is empty") }
        let now = Date()
        var encoded: [EncodedEvent] = []
        encoded.reserveCapacity(request.events.count)
        // All or nothing: every event is checked before any is written.
        let principal = CallerPrincipal.current
        for (index, event) in request.events.enumerated() {
            do {
                try PublishPermission.check(event, as: principal)
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
        // Three stages, so a stream fills transactions like many callers do without a task per
        // event: one task reads requests, one encodes whatever has been received as a run and
        // submits it, and this one writes each run's answers, in request order, once its
        // transaction ended.
        let inbox = StreamInbox(window: streamWindow)
        let (runs, submitted) = AsyncStream.makeStream(of: SubmittedRun.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { inbox.close() }
            group.addTask {
                defer { inbox.endOfRequests() }
                // Graceful shutdown ends the reading: what was read is answered, then the stream ends,
                // so an open stream cannot hold the server open.
                for try await message in request.cancelOnGracefulShutdown() {
                    guard await inbox.append(message.event) else { return }
                }
            }
            group.addTask {
                defer { submitted.finish() }
                while let events = await inbox.takeReceived() {
                    await submitRuns(of: events) { submitted.yield($0) }
                }
            }
            for await run in runs {
                let answers = await run.responses
                try await response.write(contentsOf: answers)
                inbox.release(answers.count)
            }
            try await group.waitForAll()
        }
    }

    /// Encodes `events` and hands them to the committer in runs that fit a transaction's bounds,
    /// in order; a rejected event stays in its run with its error.
    private func submitRuns(of events: [Herald_V1_Event], to submitted: (SubmittedRun) -> Void) async {
        let bounds = committer.configuration
        var run = StreamRun()
        let principal = CallerPrincipal.current
        for event in events {
            let encoded: EncodedEvent
            do {
                try PublishPermission.check(event, as: principal)
                encoded = try await encoder.encode(event, receivedAt: Date())
            } catch {
                run.reject(id: event.id, error)
                continue
            }
            let record = record(for: encoded)
            if !run.hasRoom(for: record, maxRecords: bounds.maxCount, maxBytes: bounds.maxBytes) {
                submitted(submit(run))
                run = StreamRun()
            }
            run.accept(id: encoded.attributes.id, schemaID: encoded.schemaID, record: record)
        }
        if !run.isEmpty { submitted(submit(run)) }
    }

    private func submit(_ run: StreamRun) -> SubmittedRun {
        let submitted = SubmittedRun(run)
        if !run.records.isEmpty {
            committer.submit(run.records) { result in
                submitted.transactionEnded(result.mapError(Self.publishError))
            }
        }
        return submitted
    }

    private func write(_ events: [EncodedEvent]) async throws(PublishError) -> [Herald_V1_PublishResponse] {
        let records = events.map(record(for:))
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

    private func record(for event: EncodedEvent) -> ProducerRecord {
        partitioner.state.withLock { partitioner in
            ProducerRecord(
                topic: topic,
                partition: partitioner.partition(for: event.attributes, partitionCount: partitionCount),
                key: Array(partitioner.recordKey(for: event.attributes).utf8),
                value: event.value,
                headers: event.headers)
        }
    }

    private static func publishError(_ error: any Error) -> PublishError {
        if let error = error as? PublishError { return error }
        return PublishError(.unavailable, "nothing was written: \(error)")
    }
}

/// The partitioner shared by all calls (the adaptive strategy learns from every event).
final class SharedPartitioner: Sendable {
    let state: Mutex<Partitioner>

    init(_ partitioner: Partitioner) {
        state = Mutex(partitioner)
    }
}
