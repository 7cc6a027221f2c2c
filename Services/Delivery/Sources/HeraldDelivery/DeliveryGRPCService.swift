import Foundation
import GRPCCore
import HeraldKafka
import HeraldProtos
import ServiceLifecycle
import SwiftProtobuf

/// `herald.v1.Delivery`: endpoints CRUD (secrets never answered) and queries over the status index.
struct DeliveryGRPCService: Herald_V1_Delivery.SimpleServiceProtocol {
    let endpoints: EndpointStore
    let status: CompactedTable<String, Herald_V1_DeliveryRecord>
    let deadLetters: CompactedTable<String, Herald_V1_DeliveryTask>
    let engine: DeliveryEngine
    let topics: DeliveryTopics
    /// Status changes a `WatchDeliveries` watcher may fall behind before it is cut off.
    var watchBuffer = 1024
    static let defaultListLimit = 100

    func putEndpoint(request: Herald_V1_PutEndpointRequest, context: ServerContext) async throws -> Herald_V1_PutEndpointResponse {
        guard request.hasEndpoint else { throw DeliveryAPIError(.invalidArgument, "endpoint: missing") }
        let stored = try await endpoints.put(request.endpoint)
        return .with { $0.endpoint = stored }
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
        let records = status.snapshot().values
            .filter { $0.eventSource == request.eventSource && $0.eventID == request.eventID }
            .sorted { ($0.endpointID, $0.deliveryID) < ($1.endpointID, $1.deliveryID) }
        return .with { $0.deliveries = records }
    }

    func listDeadLetters(request: Herald_V1_ListDeadLettersRequest, context: ServerContext) async throws -> Herald_V1_ListDeadLettersResponse {
        guard request.limit >= 0 else { throw DeliveryAPIError(.invalidArgument, "limit: must not be negative") }
        let limit = request.limit == 0 ? Self.defaultListLimit : Int(request.limit)
        let records = status.snapshot().values
            .filter { $0.state == .dead && (request.endpointID.isEmpty || $0.endpointID == request.endpointID) }
            .sorted { ($0.updatedAt.seconds, $0.updatedAt.nanos, $0.deliveryID) > ($1.updatedAt.seconds, $1.updatedAt.nanos, $1.deliveryID) }
        return .with { $0.deliveries = Array(records.prefix(limit)) }
    }

    func redrive(request: Herald_V1_RedriveRequest, context: ServerContext) async throws -> Herald_V1_RedriveResponse {
        guard !request.deliveryIds.isEmpty else { throw DeliveryAPIError(.invalidArgument, "delivery_ids: give at least one") }
        var records: [ProducerRecord] = []
        var statuses: [Herald_V1_DeliveryRecord] = []
        let now = Date()
        for id in Set(request.deliveryIds).sorted() {
            guard var record = await engine.latestStatus(id), record.state == .dead, var task = deadLetters[id] else { continue }
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
            statuses.append(record)
        }
        if !records.isEmpty { try await engine.enqueue(records: records, statuses: statuses) }
        return .with { $0.redriven = Int32(statuses.count) }
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
            for await record in relay.elements { try await response.write(record) }
        }
        if relay.overflowed {
            throw RPCError(code: .resourceExhausted, message: "the watcher fell \(watchBuffer) status changes behind and was cut off; watch again, and read missed outcomes with GetDeliveries")
        }
    }
}
