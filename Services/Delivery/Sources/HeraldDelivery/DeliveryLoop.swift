import Foundation
import HeraldKafka
import HeraldProtos
import HeraldRuntime
import Logging
import ServiceLifecycle

/// The consume–send–record loop: intake from the deliveries topic and the retry tiers, one task
/// per send (bounded per endpoint by the engine), and a committer that writes outcomes, status
/// records and consumer offsets in one transaction at a time.
struct DeliveryLoop: Sendable {
    let engine: DeliveryEngine
    let consumer: KafkaConsumer
    let producer: TransactionalProducer
    let endpoints: EndpointStore
    let sender: WebhookSender
    let logger: Logger

    /// Runs until graceful shutdown (then drains: in-flight sends finish and are committed) or a
    /// transaction fails (then throws; a restart resumes from the committed offsets).
    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runSenders() }
            group.addTask { try await runCommitter() }
            group.addTask {
                try await runIntake()
                await engine.stopIntake()
            }
            try await group.waitForAll()
        }
    }

    private func runIntake() async throws {
        let events = consumer.events
        let engine = engine
        let intake = Task {
            // What is buffered is taken at once, so the engine reads the delivery log once for
            // all its tasks; the other events keep their place between the messages.
            var iterator = events.makeAsyncIterator()
            while let first = try await iterator.next() {
                var messages: [KafkaMessage] = []
                for event in [first] + (try iterator.available(upTo: Self.intakeBatch - 1)) {
                    if case .message(let message) = event {
                        messages.append(message)
                        continue
                    }
                    if !messages.isEmpty { await engine.accept(messages) }
                    messages = []
                    switch event {
                    case .partitionsAssigned(let partitions): await engine.assigned(partitions)
                    case .partitionsRevoked(let partitions): await engine.revoked(partitions)
                    case .message, .endOfPartition: break  // messages were gathered above
                    }
                }
                if !messages.isEmpty { await engine.accept(messages) }
                if await engine.isDraining { break }
            }
        }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await intake.value
            } onGracefulShutdown: {
                intake.cancel()
            }
        } onCancel: {
            intake.cancel()
        }
    }

    /// Most events taken from the consumer's buffer at once.
    static let intakeBatch = 256

    private func runSenders() async {
        await withDiscardingTaskGroup { group in
            for await job in engine.jobStream {
                group.addTask { await attempt(job) }
            }
        }
    }

    private func runCommitter() async throws {
        while let batch = await engine.nextBatch() {
            do {
                try await producer.withTransaction { transaction in
                    for record in batch.records { _ = try await transaction.send(record) }
                    if !batch.offsets.isEmpty {
                        try await transaction.sendOffsets(batch.offsets, groupMetadata: consumer.groupMetadata())
                    }
                }
            } catch {
                logger.error("A delivery transaction failed; stopping (a restart resumes from the committed offsets)", metadata: ["error": "\(error)"])
                await engine.failed(batch, error: error)
                throw error
            }
            await engine.committed(batch)
        }
    }

    /// One attempt of one task.
    private func attempt(_ job: DeliveryEngine.Job) async {
        let task = job.task
        // Revoked between being queued and starting: the next owner sends it.
        guard await engine.owns(job) else { return await engine.abandon(job) }
        guard let endpoint = endpoints.resolved(task.endpointID) else {
            if endpoints.table[task.endpointID] != nil {
                return await engine.finish(job, report: AttemptReport(
                    kind: .failed, error: "the endpoint's stored secrets do not open with this instance's master keys (--secret-key-file)",
                    policy: nil, reachedEndpoint: false, charge: .herald))
            }
            return await engine.finish(job, report: AttemptReport(kind: .undeliverable, error: "endpoint '\(task.endpointID)' does not exist", policy: nil, reachedEndpoint: false))
        }
        guard endpoint.endpoint.enabled, await !engine.isDisabled(task.endpointID) else {
            return await engine.finish(job, report: AttemptReport(kind: .undeliverable, error: "endpoint '\(task.endpointID)' is disabled", policy: endpoint.retryPolicy, reachedEndpoint: false))
        }
        let report = await send(task, to: endpoint)
        await engine.finish(job, report: report)
    }

    private func send(_ task: Herald_V1_DeliveryTask, to endpoint: ResolvedEndpoint) async -> AttemptReport {
        let policy = endpoint.retryPolicy
        switch await engine.permit(endpointID: task.endpointID, ratePerSecond: endpoint.endpoint.rateLimitPerSecond) {
        case .refused(let retryIn):
            return AttemptReport(kind: .failed, error: "circuit breaker open: the endpoint failed repeatedly; no request made",
                                 policy: policy, reachedEndpoint: false, retryAfter: retryIn, charge: .herald)
        case .go(let wait):
            if wait > .zero { try? await Task.sleep(for: wait) }
        }
        let address: IPAddress?
        do {
            address = try await endpoints.checkAddress(endpoint)
        } catch {
            return AttemptReport(kind: .failed, error: "refused: \(error.description)", policy: policy, reachedEndpoint: false)
        }
        let body: [UInt8]
        do {
            body = CloudEventBody.render(task, dataJSON: try await sender.dataJSON(task))
        } catch SchemaResolver.Failure.unavailable(let reason) {
            return AttemptReport(kind: .failed, error: reason, policy: policy, reachedEndpoint: false, charge: .herald)
        } catch {
            return AttemptReport(kind: .failed, error: "payload not decodable with schema \(task.schemaID): \(error)", policy: policy, reachedEndpoint: false)
        }
        let started = ContinuousClock.now
        do {
            let answer = try await sender.post(task, body: body, to: endpoint, connectingTo: address)
            let error = (200..<300).contains(answer.status) ? "" : "HTTP \(answer.status)" + (answer.excerpt.isEmpty ? "" : ": \(answer.excerpt)")
            return AttemptReport(kind: .answered(status: answer.status, retryAfter: answer.retryAfter), error: error, policy: policy,
                                 reachedEndpoint: true, requestDuration: .now - started, responseBody: answer.body)
        } catch {
            return AttemptReport(kind: .failed, error: "request failed: \(error)", policy: policy, reachedEndpoint: true, requestDuration: .now - started)
        }
    }
}
