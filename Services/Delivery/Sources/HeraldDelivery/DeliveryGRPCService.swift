import Foundation
import GRPCCore
import HeraldKafka
import HeraldProtos
import ServiceLifecycle
import SwiftProtobuf

/// `herald.v1.Delivery`: endpoints CRUD (secrets never answered) and test events, queries over the
/// delivery log, redrive, and status changes as they happen.
struct DeliveryGRPCService: Herald_V1_Delivery.SimpleServiceProtocol {
    let endpoints: EndpointStore
    let status: CompactedTable<String, Herald_V1_DeliveryRecord>
    let log: DeliveryLog
    let engine: DeliveryEngine
    let deliveredTasks: DeliveredTasks
    /// How long before a replayed range its tasks may have been written (their retries' delays).
    let replayLookback: Duration
    let topics: DeliveryTopics
    let tester: EndpointTester
    /// Status changes a `WatchDeliveries` watcher may fall behind before it is cut off.
    var watchBuffer = 1024
    static let defaultListLimit = 100
    static let maxPageSize = 1000
    /// Dead letters one filtered redrive sends at most; call again for the rest.
    static let maxRedrive = 10_000

    func putEndpoint(request: Herald_V1_PutEndpointRequest, context: ServerContext) async throws -> Herald_V1_PutEndpointResponse {
        guard request.hasEndpoint else { throw DeliveryAPIError(.invalidArgument, "endpoint: missing") }
        let stored = try await endpoints.put(request.endpoint)
        return .with { $0.endpoint = stored }
    }

    func sendTestEvent(request: Herald_V1_SendTestEventRequest, context: ServerContext) async throws -> Herald_V1_SendTestEventResponse {
        try await tester.send(to: request.endpointID)
    }

    func getEndpoint(request: Herald_V1_GetEndpointRequest, context: ServerContext) async throws -> Herald_V1_GetEndpointResponse {
        let endpoint = try endpoints.get(request.id)
        return .with { $0.endpoint = endpoint }
    }

    func deleteEndpoint(request: Herald_V1_DeleteEndpointRequest, context: ServerContext) async throws -> Herald_V1_DeleteEndpointResponse {
        try await endpoints.delete(request.id)
        return .init()
    }

    func listEndpoints(request: Herald_V1_ListEndpointsRequest, context: ServerContext) async throws -> Herald_V1_ListEndpointsResponse {
        .with { $0.endpoints = endpoints.list() }
    }

    func getDeliveries(request: Herald_V1_GetDeliveriesRequest, context: ServerContext) async throws -> Herald_V1_GetDeliveriesResponse {
        guard !request.eventSource.isEmpty, !request.eventID.isEmpty else {
            throw DeliveryAPIError(.invalidArgument, "event_source and event_id: both required")
        }
        let records = try await log.deliveries(eventSource: request.eventSource, eventID: request.eventID)
        return .with { $0.deliveries = records }
    }

    func listDeliveries(request: Herald_V1_ListDeliveriesRequest, context: ServerContext) async throws -> Herald_V1_ListDeliveriesResponse {
        guard (0...Int32(Self.maxPageSize)).contains(request.pageSize) else {
            throw DeliveryAPIError(.invalidArgument, "page_size: between 0 and \(Self.maxPageSize)")
        }
        guard Herald_V1_DeliveryState.allCases.contains(where: { $0 == request.state }) else {
            throw DeliveryAPIError(.invalidArgument, "state: not a delivery state")
        }
        let filter = DeliveryFilter(
            endpointID: request.endpointID.nonEmpty, state: request.state == .unspecified ? nil : request.state.rawValue,
            eventType: request.eventType.nonEmpty, eventSource: request.eventSource.nonEmpty,
            sinceMicros: request.hasSince ? DeliveryLogRows.micros(request.since) : nil,
            untilMicros: request.hasUntil ? DeliveryLogRows.micros(request.until) : nil)
        let cursor = try request.pageToken.nonEmpty.map { try DeliveryCursor(token: $0) }
        let (records, next) = try await log.list(filter, after: cursor, limit: request.pageSize == 0 ? Self.defaultListLimit : Int(request.pageSize))
        return .with {
            $0.deliveries = records
            $0.nextPageToken = next?.token ?? ""
        }
    }

    func getDelivery(request: Herald_V1_GetDeliveryRequest, context: ServerContext) async throws -> Herald_V1_GetDeliveryResponse {
        guard !request.deliveryID.isEmpty else { throw DeliveryAPIError(.invalidArgument, "delivery_id: required") }
        guard let found = try await log.delivery(id: request.deliveryID) else {
            throw DeliveryAPIError(.notFound, "delivery '\(request.deliveryID)': not in the delivery log")
        }
        return .with {
            $0.delivery = found.0
            $0.attempts = found.1
        }
    }

    func getEndpointHealth(request: Herald_V1_GetEndpointHealthRequest, context: ServerContext) async throws -> Herald_V1_GetEndpointHealthResponse {
        guard !request.endpointID.isEmpty else { throw DeliveryAPIError(.invalidArgument, "endpoint_id: required") }
        let window = request.hasWindow ? request.window.seconds * 1_000_000 + Int64(request.window.nanos / 1000) : 3_600_000_000
        guard window > 0 else { throw DeliveryAPIError(.invalidArgument, "window: must be positive") }
        let since = DeliveryLogRows.micros(Date()) - window
        var health = try await log.health(endpointID: request.endpointID, sinceMicros: since)
        health.circuit = EndpointHealth.circuit(await engine.circuitState(request.endpointID))
        if request.hasStep {
            let step = request.step.seconds * 1_000_000 + Int64(request.step.nanos / 1000)
            guard let steps = HealthSteps(sinceMicros: since, windowMicros: window, stepMicros: step) else {
                throw DeliveryAPIError(.invalidArgument, "step: at least 1 s, and at most \(HealthSteps.maxSteps) steps in the window")
            }
            health.steps = try await log.steps(endpointID: request.endpointID, steps)
        }
        return health
    }

    func listDeadLetters(request: Herald_V1_ListDeadLettersRequest, context: ServerContext) async throws -> Herald_V1_ListDeadLettersResponse {
        guard request.limit >= 0 else { throw DeliveryAPIError(.invalidArgument, "limit: must not be negative") }
        let limit = request.limit == 0 ? Self.defaultListLimit : Int(request.limit)
        let letters = try await log.deadLetters(endpointID: request.endpointID.nonEmpty, sinceMicros: nil, limit: limit)
        return .with { $0.deliveries = letters.map(\.0) }
    }

    /// Each dead letter chosen goes back to the deliveries topic from attempt 0, with a PENDING
    /// status and the dead letter's tombstone, in one transaction.
    func redrive(request: Herald_V1_RedriveRequest, context: ServerContext) async throws -> Herald_V1_RedriveResponse {
        let filtered = !request.endpointID.isEmpty || request.hasSince
        guard request.deliveryIds.isEmpty != !filtered else {
            throw DeliveryAPIError(.invalidArgument, "give either delivery_ids or a filter (endpoint_id, since)")
        }
        var tasks: [String: Herald_V1_DeliveryTask] = [:]
        if filtered {
            let since = request.hasSince ? DeliveryLogRows.micros(request.since) : nil
            for (_, task) in try await log.deadLetters(endpointID: request.endpointID.nonEmpty, sinceMicros: since, limit: Self.maxRedrive) {
                tasks[task.deliveryID] = task
            }
        } else {
            for id in Set(request.deliveryIds) {
                if let task = try await log.deadLetterTask(deliveryID: id) { tasks[id] = task }
            }
        }
        var records: [ProducerRecord] = []
        var statuses: [Herald_V1_DeliveryRecord] = []
        let now = Date()
        // One query for the statuses of all of them, not one each.
        let logged = await engine.loggedStatuses(of: Array(tasks.values))
        for id in tasks.keys.sorted() {
            guard var record = await engine.latestStatus(id, logged: logged), record.state == .dead, var task = tasks[id] else { continue }
            task.attempt = 0
            task.clearNotBefore()
            task.lastStatusCode = 0
            task.lastError = ""
            task.createdAt = Google_Protobuf_Timestamp(date: now)
            record.state = .pending
            record.attempts = 0
            record.clearNextAttemptAt()
            record.updatedAt = Google_Protobuf_Timestamp(date: now)
            records.append(ProducerRecord(topic: topics.deliveries, key: Array(task.endpointID.utf8), value: try task.serializedBytes()))
            records.append(ProducerRecord(topic: topics.status, key: Array(id.utf8), value: try record.serializedBytes()))
            records.append(ProducerRecord(topic: topics.deadLetters, key: Array(id.utf8), value: nil))
            statuses.append(record)
        }
        if !records.isEmpty { try await engine.enqueue(records: records, statuses: statuses) }
        return .with { $0.redriven = Int32(statuses.count) }
    }

    /// Delivered deliveries of the range (at most `maxRedrive`) sent again as new deliveries, their
    /// tasks read back from the deliveries topic; with their PENDING status, in one transaction.
    func replay(request: Herald_V1_ReplayRequest, context: ServerContext) async throws -> Herald_V1_ReplayResponse {
        guard !request.endpointID.isEmpty else { throw DeliveryAPIError(.invalidArgument, "endpoint_id: required") }
        guard request.hasSince, request.hasUntil else { throw DeliveryAPIError(.invalidArgument, "since and until: both required") }
        let since = DeliveryLogRows.micros(request.since), until = DeliveryLogRows.micros(request.until)
        guard since < until else { throw DeliveryAPIError(.invalidArgument, "since: must be before until") }
        let target = request.toEndpointID.nonEmpty ?? request.endpointID
        _ = try endpoints.get(target)
        let filter = DeliveryFilter(endpointID: request.endpointID, state: Herald_V1_DeliveryState.succeeded.rawValue, sinceMicros: since, untilMicros: until)
        var delivered: [Herald_V1_DeliveryRecord] = []
        var cursor: DeliveryCursor?
        repeat {
            let (page, next) = try await log.list(filter, after: cursor, limit: Self.maxPageSize)
            delivered += page
            cursor = next
        } while cursor != nil && delivered.count < Self.maxRedrive
        delivered = Array(delivered.prefix(Self.maxRedrive))
        let lookbackMicros = replayLookback.components.seconds * 1_000_000
        let tasks = try await deliveredTasks.find(Set(delivered.map(\.deliveryID)), writtenSinceMilliseconds: (since - lookbackMicros) / 1000)
        let now = Date()
        var records: [ProducerRecord] = []
        var statuses: [Herald_V1_DeliveryRecord] = []
        for original in delivered.reversed() {
            guard let task = tasks[original.deliveryID] else { continue }
            let replayed = ReplayTask.make(from: task, to: target, at: now)
            let status = ReplayTask.pending(replayed, at: now)
            records.append(ProducerRecord(topic: topics.deliveries, key: Array(target.utf8), value: try replayed.serializedBytes()))
            records.append(ProducerRecord(topic: topics.status, key: Array(replayed.deliveryID.utf8), value: try status.serializedBytes()))
            statuses.append(status)
        }
        if !records.isEmpty { try await engine.enqueue(records: records, statuses: statuses) }
        return .with {
            $0.replayed = Int32(statuses.count)
            $0.missing = Int32(delivered.count - statuses.count)
        }
    }

    /// Status changes as they happen. A watcher that falls `watchBuffer` changes behind is cut off
    /// with RESOURCE_EXHAUSTED rather than buffered without limit.
    func watchDeliveries(request: Herald_V1_WatchDeliveriesRequest, response: RPCWriter<Herald_V1_DeliveryRecord>, context: ServerContext) async throws {
        let changes = status.changes()
        let relay = BoundedRelay<Herald_V1_DeliveryRecord>(capacity: watchBuffer)
        let feeder = Task {
            for await change in changes {
                guard case .updated(_, let record) = change else { continue }
                if request.endpointID.isEmpty || record.endpointID == request.endpointID {
                    guard relay.yield(record) else { break }
                }
            }
            relay.finish()
        }
        defer { feeder.cancel() }
        try await cancelWhenGracefulShutdown {
            // The live feed is subscribed before the log is read, so nothing falls between the two.
            if request.hasSince {
                var position = DeliveryCursor(updatedMicros: DeliveryLogRows.micros(request.since), deliveryID: "")
                while true {
                    let page = try await log.updated(endpointID: request.endpointID.nonEmpty, after: position, limit: Self.maxPageSize)
                    for record in page { try await response.write(record) }
                    guard page.count == Self.maxPageSize, let last = page.last else { break }
                    position = DeliveryCursor(updatedMicros: DeliveryLogRows.micros(last.updatedAt), deliveryID: last.deliveryID)
                }
            }
            for await record in relay.elements { try await response.write(record) }
        }
        if relay.overflowed {
            throw RPCError(code: .resourceExhausted, message: "the watcher fell \(watchBuffer) status changes behind and was cut off; watch again, and read missed outcomes with ListDeliveries")
        }
    }
}

extension String {
    /// `nil` for the empty string: an unset filter.
    var nonEmpty: String? { isEmpty ? nil : self }
}
